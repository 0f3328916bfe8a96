"""The project's select.html (options written inline, for speed) renders what Django's renders."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting, get_default_renderer

WIDGETS = [
    (forms.Select(choices=[("", "全部"), ("a", "甲 <乙>"), ("b", "B & C")]), "b"),
    (forms.Select(choices=[("x", [("1", "一"), ("2", "二")]), ("y", [("3", "三")]), ("4", "四")]), "3"),
    (forms.SelectMultiple(choices=[(1, "一"), (2, "二"), (3, "三")]), [1, 3]),
    (forms.NullBooleanSelect(), True),
    (forms.Select(choices=[("a", "甲")], attrs={"class": "wide", "disabled": True, "data-x": 'q"t'}), None),
]


def test_forms_render_through_the_project_templates() -> None:
    assert isinstance(get_default_renderer(), TemplatesSetting)


@pytest.mark.parametrize(("widget", "value"), WIDGETS)
def test_select_renders_like_django(widget: forms.Widget, value: object) -> None:
    ours = widget.render("field", value, attrs={"id": "id_field", "required": True})
    django = widget.render(
        "field", value, attrs={"id": "id_field", "required": True}, renderer=DjangoTemplates()
    )
    assert ours == django
    assert ("selected" in ours) == (value is not None)
