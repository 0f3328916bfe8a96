"""Role x route rules of the petitions staff pages (see zhenwu.testing.permissions).

The world: every role works in 河坝镇 (HB) except the reporter (village HB-01) and the admin
(the county). Matters are registered by the HB office; one is assigned to HB-01, so the reporter
sees it; one is registered in 石桥镇 (SQ), outside everyone's scope but the admin's. Matters are
built on a spring day of 2026, so every deadline falls in a year whose holidays are known.

Action URLs answer 403 to roles without the action, 404 where the matter is out of sight, and
otherwise redirect to the matter (302), whether the service did the act or refused it with a message.
"""

from collections.abc import Callable
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from zhenwu.petitions import services as s
from zhenwu.petitions.attachments import attachment_add
from zhenwu.petitions.choices import DocumentKind
from zhenwu.petitions.documents import petition_document_generate
from zhenwu.petitions.models import Petition
from zhenwu.petitions.tests.factories import ID_B, at, register
from zhenwu.testing.permissions import Check, every_role, expect
from zhenwu.testing.world import World

POST_ONLY = every_role(405, anonymous=405)
EVERYONE = every_role(200)
REGISTRARS = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
REGISTRARS_REDIRECT = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)
EXPORTERS = expect(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=200)
EXPORTERS_UNMASKED = expect(admin=200, office=200, leader=200, reporter=403, mediator=403, oversight=403)
#: A matter of the township, not assigned: the village reporter does not see it.
TOWNSHIP = expect(admin=200, office=200, leader=200, reporter=404, mediator=200, oversight=200)
OTHER_TOWNSHIP = expect(admin=200, office=404, leader=404, reporter=404, mediator=404, oversight=404)
#: Office actions (accept, decline, assign, close, reviews, hearing, link).
MANAGERS = REGISTRARS_REDIRECT
#: Handling-unit actions on a matter assigned to HB-01: every role but oversight (read-only).
HANDLERS = expect(admin=302, office=302, leader=302, reporter=302, mediator=302, oversight=403)
APPROVERS = expect(admin=302, office=403, leader=302, reporter=403, mediator=403, oversight=403)
#: Recusal on a township matter: the reporter does not see it.
RECUSERS = expect(admin=302, office=302, leader=302, reporter=404, mediator=302, oversight=403)
#: Generating an acceptance notice: the gate is the handle action; the service then refuses the
#: leader and the mediator (only the office issues it) with a message.
GENERATORS = expect(admin=302, office=302, leader=302, reporter=404, mediator=302, oversight=403)
DOWNLOADERS = expect(admin=200, office=200, leader=403, reporter=404, mediator=403, oversight=403)
#: Attaching a file to a township matter: whoever handles matters (oversight only reads); the reporter
#: does not see a matter that is not assigned to the village.
ATTACHERS = expect(admin=302, office=302, leader=302, reporter=404, mediator=302, oversight=403)
#: A matter of 石桥镇 (SQ): only the administrator sees it; oversight is refused before scope is looked at.
ATTACHERS_OTHER_TOWNSHIP = {**OTHER_TOWNSHIP, "admin": 302, "oversight": 403}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

OPINION = {
    "request": "要求支付拖欠工资",
    "facts": "经核实，拖欠属实",
    "decision": "责令限期支付",
    "basis": "《保障农民工工资支付条例》",
}


def _spring(build: Callable[[World], Petition]) -> Callable[[World], dict[str, Any]]:
    """Build the matter on 2026-03-02 and give the URL kwargs of it."""

    def kwargs(w: World) -> dict[str, Any]:
        with time_machine.travel(at("2026-03-02"), tick=False):
            return {"pk": build(w).pk}

    return kwargs


def registered(w: World) -> Petition:
    return register(w.user("office"), w.township)[0]


def accepted(w: World) -> Petition:
    return s.petition_accept(actor=w.user("office"), petition=registered(w))


def assigned(w: World) -> Petition:
    return s.petition_assign(actor=w.user("office"), petition=accepted(w), handling_unit=w.village)


def handling(w: World) -> Petition:
    return s.petition_start_handling(actor=w.user("reporter"), petition=assigned(w))


def answered(w: World) -> Petition:
    return s.petition_answer(actor=w.user("reporter"), petition=handling(w), **OPINION)


def under_review(w: World) -> Petition:
    return s.petition_request_review(petition=answered(w), reason="不服处理意见")


def under_re_review(w: World) -> Petition:
    reviewed = s.petition_decide_review(actor=w.user("office"), petition=under_review(w), opinion="维持")
    return s.petition_request_re_review(petition=reviewed, reason="仍不服")


def other_township(w: World) -> Petition:
    return register(w.user("admin"), w.other_township, name="李四", id_number=ID_B)[0]


def assigned_elsewhere(w: World) -> Petition:
    """Handled by the other village (HB-02): the HB-01 reporter does not see it."""
    return s.petition_assign(actor=w.user("office"), petition=accepted(w), handling_unit=w.village2)


def _upload(w: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("材料.pdf", PDF)}


def _attachment(build: Callable[[World], Petition]) -> Callable[[World], dict[str, Any]]:
    """A matter built by ``build`` with one PDF attached (by the administrator, who sees every matter)."""

    def kwargs(w: World) -> dict[str, Any]:
        with time_machine.travel(at("2026-03-02"), tick=False):
            petition = build(w)
            attachment = attachment_add(actor=w.user("admin"), petition=petition, upload=_upload(w)["file"])
        return {"pk": petition.pk, "attachment_id": attachment.pk}

    return kwargs


def _document(w: World) -> dict[str, Any]:
    with time_machine.travel(at("2026-03-02"), tick=False):
        petition = accepted(w)
        document = petition_document_generate(
            actor=w.user("office"), petition=petition, kind=DocumentKind.ACCEPTANCE
        )
    return {"pk": petition.pk, "doc_id": document.pk}


def _register_form(w: World) -> dict[str, Any]:
    return {
        "channel": "visit",
        "received_at": "2026-03-02T10:00",
        "unit": "HB",  # administrators choose the unit; others register into their own
        "summary": "拖欠工资问题",
        "content": "老板拖欠工资三个月。",
        "petitioners-TOTAL_FORMS": "1",
        "petitioners-INITIAL_FORMS": "0",
        "petitioners-MIN_NUM_FORMS": "1",
        "petitioners-MAX_NUM_FORMS": "5",
        "petitioners-0-name": "王五",
        "petitioners-0-id_number": "",
    }


def _link_data(w: World) -> dict[str, Any]:
    with time_machine.travel(at("2026-03-02"), tick=False):
        return {"other": registered(w).number}


def _action(
    want: dict[str, Any], build: Callable[[World], Petition], data: dict[str, Any] | None = None
) -> list[Check]:
    """A POST-only action: 405 to GET, ``want`` to a POST with ``data``."""
    kwargs = _spring(build)
    return [
        Check(POST_ONLY, kwargs=kwargs),
        Check(want, method="POST", kwargs=kwargs, data=lambda w: dict(data or {})),
    ]


TABLE: dict[str, list[Check]] = {
    "petitions:list": [
        Check(EVERYONE),
        Check(EVERYONE, query="status=registered&overdue=on&sort=due_on&q=工资"),
    ],
    "petitions:register": [
        Check(REGISTRARS),
        Check(REGISTRARS_REDIRECT, method="POST", data=_register_form),
    ],
    "petitions:export": [
        Check(EXPORTERS),
        # Unmasked needs personal.view too: oversight exports masked only.
        Check(EXPORTERS_UNMASKED, query="unmasked=1"),
    ],
    "petitions:detail": [
        Check(TOWNSHIP, kwargs=_spring(registered)),
        # The reveal is refused (and recorded) for roles without personal.view; the page still shows.
        Check(TOWNSHIP, kwargs=_spring(registered), query="reveal=1"),
        Check(EVERYONE, kwargs=_spring(assigned)),
        Check(OTHER_TOWNSHIP, kwargs=_spring(other_township)),
    ],
    "petitions:document": [Check(DOWNLOADERS, kwargs=_document)],
    "petitions:attachment_add": [
        Check(POST_ONLY, kwargs=_spring(registered)),
        Check(ATTACHERS, method="POST", kwargs=_spring(registered), data=_upload),
        Check(HANDLERS, method="POST", kwargs=_spring(assigned), data=_upload),
        Check(ATTACHERS_OTHER_TOWNSHIP, method="POST", kwargs=_spring(other_township), data=_upload),
    ],
    # Whoever sees the matter may download its files (each download audited); out of sight: 404.
    "petitions:attachment": [
        Check(TOWNSHIP, kwargs=_attachment(registered)),
        Check(EVERYONE, kwargs=_attachment(assigned)),
        Check(TOWNSHIP, kwargs=_attachment(assigned_elsewhere)),
        Check(OTHER_TOWNSHIP, kwargs=_attachment(other_township)),
        Check(every_role(405, anonymous=405), method="POST", kwargs=_attachment(registered)),
    ],
    "petitions:document_generate": [
        Check(POST_ONLY, kwargs=_spring(accepted)),
        Check(GENERATORS, method="POST", kwargs=_spring(accepted), data=lambda w: {"kind": "acceptance"}),
    ],
    "petitions:accept": _action(MANAGERS, registered),
    "petitions:decline": _action(MANAGERS, registered, {"route": "litigation", "reason": "属于劳动仲裁事项"}),
    "petitions:assign": _action(MANAGERS, accepted, {"handling_unit": "HB-01"}),
    "petitions:start_handling": _action(HANDLERS, assigned),
    "petitions:object": _action(HANDLERS, assigned, {"reason": "不属于本村职责"}),
    "petitions:extend": _action(APPROVERS, accepted, {"days": "10", "reason": "案情复杂"}),
    "petitions:answer": _action(HANDLERS, handling, OPINION),
    "petitions:close": _action(MANAGERS, answered),
    "petitions:decide_review": _action(MANAGERS, under_review, {"opinion": "维持原处理意见"}),
    "petitions:record_hearing": _action(MANAGERS, under_re_review, {"days": "3"}),
    "petitions:decide_re_review": _action(MANAGERS, under_re_review, {"opinion": "维持复查意见"}),
    "petitions:recuse": _action(RECUSERS, registered, {"reason": "与信访人系亲属"}),
    "petitions:link": [
        Check(POST_ONLY, kwargs=_spring(registered)),
        Check(MANAGERS, method="POST", kwargs=_spring(registered), data=_link_data),
    ],
}


# --- the category tree page (views_categories) ------------------------------------------------
# The tree is configuration: office staff and administrators (petition.manage) change it; a refused
# write re-renders the page (200) or redirects with a message, a done one redirects (302).

CATEGORY_PAGE = expect(admin=200, office=200, leader=403, reporter=403, mediator=403, oversight=403)
CATEGORY_EDITS = expect(admin=302, office=302, leader=403, reporter=403, mediator=403, oversight=403)


def _category(w: World) -> dict[str, Any]:
    """One category to rename or deactivate (built once; the table's checks share it)."""
    from zhenwu.petitions.categories import category_create
    from zhenwu.petitions.models import Category

    category = Category.objects.filter(code="PT-LAND").first()
    if category is None:
        category = category_create(actor=w.user("admin"), name="土地房屋", code="PT-LAND")
    return {"pk": category.pk}


def _new_category(w: World) -> dict[str, Any]:
    return {"name": "新类", "code": "PT-NEW"}


def _rename(w: World) -> dict[str, Any]:
    return {"name": "土地"}


def _deactivate(w: World) -> dict[str, Any]:
    return {"is_active": "0"}


TABLE.update(
    {
        "petitions:category_list": [Check(CATEGORY_PAGE)],
        "petitions:category_create": [
            Check(POST_ONLY),
            Check(CATEGORY_EDITS, method="POST", data=_new_category),
        ],
        "petitions:category_update": [
            Check(POST_ONLY, kwargs=_category),
            Check(CATEGORY_EDITS, method="POST", kwargs=_category, data=_rename),
        ],
        "petitions:category_active": [
            Check(POST_ONLY, kwargs=_category),
            Check(CATEGORY_EDITS, method="POST", kwargs=_category, data=_deactivate),
        ],
    }
)
