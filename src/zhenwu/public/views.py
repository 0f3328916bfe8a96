"""The public pages (no sign-in): how to raise a matter, the online form, tracking with number + code.

What a resident sees is deliberately narrow: their matter's number, dates, status, stage and due
date, the public timeline (never staff names, internal notes, the petitioners' identities or an
accused unit), the written replies and the notices. A wrong number/code pair and an unknown number
get the same answer. After a successful look-up the matter's id is kept in the session
(``public_petition_ids``) so rating and review requests need no second look-up.
"""

import datetime

from django.contrib import messages
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhenwu.core.exceptions import DomainError
from zhenwu.core.rules import get_rule
from zhenwu.core.views.common import add_domain_error
from zhenwu.petitions.choices import (
    DocumentKind,
    IntakeChannel,
    Stage,
    Status,
)
from zhenwu.petitions.models import Petition, PetitionDocument
from zhenwu.petitions.services import (
    PetitionerIn,
    petition_rate,
    petition_register,
    petition_request_re_review,
    petition_request_review,
    satisfaction_window_days,
)
from zhenwu.public import ratelimit
from zhenwu.public.captcha import captcha_new
from zhenwu.public.forms import (
    CaptchaForm,
    PetitionRateForm,
    PetitionReviewForm,
    PetitionSubmitForm,
    PetitionTrackForm,
    township_units,
)
from zhenwu.public.selectors import NOT_FOUND_MESSAGE, label_of, petition_by_code, public_timeline

SESSION_PETITIONS = "public_petition_ids"
#: A shared computer should not collect every matter looked up on it.
MAX_REMEMBERED = 10
#: The notices a resident may download: the written replies addressed to them.
PUBLIC_DOCUMENT_KINDS = (
    DocumentKind.ACCEPTANCE,
    DocumentKind.DECLINE,
    DocumentKind.OPINION,
    DocumentKind.EXTENSION,
)
#: Statuses in which the resident has a written answer (shown with a green badge).
FINISHED = (Status.ANSWERED, Status.RATED, Status.REVIEWED, Status.RE_REVIEWED, Status.CLOSED)
DOCUMENT_SALT = "zhenwu.public.document"
DOCUMENT_LINK_SECONDS = 3600
#: Compared against when the number does not exist, so both failures cost the same time.


# --- the session's matters ---------------------------------------------------------------------


def _remember(request: HttpRequest, pk: int) -> None:
    ids = [i for i in request.session.get(SESSION_PETITIONS, []) if i != pk]
    request.session[SESSION_PETITIONS] = [*ids, pk][-MAX_REMEMBERED:]


def _remembered_petition(request: HttpRequest, pk: int) -> Petition | None:
    """The matter ``pk`` if this session looked it up with its code, else None."""
    if pk not in request.session.get(SESSION_PETITIONS, []):
        return None
    return Petition.objects.select_related("unit").filter(pk=pk).first()


def _to_track(request: HttpRequest) -> HttpResponse:
    messages.info(request, gettext("Look your matter up with its number and query code first."))
    return redirect("public:track")


def _too_many(request: HttpRequest, limit: ratelimit.Limit) -> HttpResponse:
    response = render(request, "public/rate_limited.html", status=429)
    response["Retry-After"] = str(limit.window_seconds)
    return response


# --- what the resident sees --------------------------------------------------------------------


def document_token(document: PetitionDocument) -> str:
    return signing.dumps({"p": document.petition_id, "d": document.pk}, salt=DOCUMENT_SALT)


def _review_kind(petition: Petition) -> str:
    """ "review" or "re_review" while the resident's window for it is open, else ""."""
    today = timezone.localdate()
    if petition.due_on is None or today > petition.due_on:
        return ""
    if petition.stage == Stage.REVIEW_REQUEST and petition.answered_at and petition.reviewed_at is None:
        return "review"
    if petition.stage == Stage.RE_REVIEW_REQUEST and petition.reviewed_at and petition.re_reviewed_at is None:
        return "re_review"
    return ""


def _can_rate(petition: Petition) -> bool:
    return (
        petition.status == Status.ANSWERED
        and petition.answered_at is not None
        and timezone.now() <= petition.answered_at + datetime.timedelta(days=satisfaction_window_days())
    )


def _matter_page(
    request: HttpRequest,
    petition: Petition,
    *,
    rate_form: PetitionRateForm | None = None,
    review_form: PetitionReviewForm | None = None,
) -> HttpResponse:
    documents = [
        {"kind": DocumentKind(d.kind).label, "created_at": d.created_at, "token": document_token(d)}
        for d in PetitionDocument.objects.filter(petition=petition, kind__in=PUBLIC_DOCUMENT_KINDS).order_by(
            "created_at", "id"
        )
    ]
    review_open = _review_kind(petition)
    # A refused request is shown with its message even though the window is closed.
    review_kind = review_open or (
        ("re_review" if petition.reviewed_at else "review") if review_form is not None else ""
    )
    context = {
        "petition": petition,
        "status_label": label_of(Status, petition.status),
        "finished": petition.status in FINISHED,
        "stage_label": "" if petition.stage == Stage.NONE else label_of(Stage, petition.stage),
        "timeline": public_timeline(petition),
        "documents": documents,
        "can_rate": _can_rate(petition) or rate_form is not None,
        "rate_form": rate_form or PetitionRateForm(),
        "review_kind": review_kind,
        "review_open": bool(review_open),
        "review_form": review_form or PetitionReviewForm(),
    }
    return render(request, "public/matter.html", context)


# --- pages -------------------------------------------------------------------------------------


@require_GET
def index_view(request: HttpRequest) -> HttpResponse:
    """How to raise a matter and follow it (信访工作条例 Art. 18)."""
    context = {
        "townships": township_units(),
        "accept_days": get_rule("petition.accept_notice").days,
        "conclude_days": get_rule("petition.conclude").days,
        "review_days": get_rule("petition.review_request").days,
    }
    return render(request, "public/index.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def submit_view(request: HttpRequest) -> HttpResponse:
    """The online form; on success the receipt with the number and the query code (shown once)."""
    if request.method == "POST":
        if not ratelimit.allow(request, ratelimit.SUBMIT_ATTEMPT):
            return _too_many(request, ratelimit.SUBMIT_ATTEMPT)
        form = PetitionSubmitForm(request.POST)
        captcha_form = CaptchaForm(request.POST, session=request.session)
        # Both are checked, so every error shows at once; the CAPTCHA is used up either way.
        captcha_ok = captcha_form.is_valid()
        if form.is_valid() and captcha_ok:
            if not ratelimit.allow(request, ratelimit.SUBMIT):
                return _too_many(request, ratelimit.SUBMIT)
            data = form.cleaned_data
            try:
                petition, code = petition_register(
                    actor=None,
                    unit=data["unit"],
                    channel=IntakeChannel.ONLINE,
                    petitioners=[
                        PetitionerIn(
                            name=data["name"],
                            id_number=data["id_number"],
                            phone=data["phone"],
                            address=data["address"],
                        )
                    ],
                    summary=data["summary"],
                    content=data["content"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                _remember(request, petition.pk)
                return render(request, "public/receipt.html", {"petition": petition, "code": code})
    else:
        form = PetitionSubmitForm()
        captcha_form = CaptchaForm(session=request.session)
    # Every showing of the form asks a new question.
    context = {"form": form, "captcha_form": captcha_form, "captcha_image": captcha_new(request.session)}
    return render(request, "public/submit.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def track_view(request: HttpRequest) -> HttpResponse:
    """Look a matter up with its number and query code; a miss never says which part was wrong."""
    if request.method == "POST":
        if not ratelimit.allow(request, ratelimit.TRACK):
            return _too_many(request, ratelimit.TRACK)
        form = PetitionTrackForm(request.POST)
        if form.is_valid():
            petition = petition_by_code(form.cleaned_data["number"], form.cleaned_data["code"])
            if petition is not None:
                _remember(request, petition.pk)
                return redirect("public:matter", pk=petition.pk)
            form.add_error(None, NOT_FOUND_MESSAGE)
    else:
        form = PetitionTrackForm()
    remembered = request.session.get(SESSION_PETITIONS, [])
    return render(request, "public/track.html", {"form": form, "remembered": bool(remembered)})


@never_cache
@require_GET
def matter_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The resident's view of one matter this session looked up."""
    petition = _remembered_petition(request, pk)
    if petition is None:
        return _to_track(request)
    return _matter_page(request, petition)


@never_cache
@require_POST
def rate_view(request: HttpRequest, pk: int) -> HttpResponse:
    petition = _remembered_petition(request, pk)
    if petition is None:
        return _to_track(request)
    form = PetitionRateForm(request.POST)
    if form.is_valid():
        try:
            petition_rate(
                petition=petition,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, gettext("Thank you: your rating was recorded."))
            return redirect("public:matter", pk=pk)
    return _matter_page(request, petition, rate_form=form)


@never_cache
@require_POST
def review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Request a review of the handling opinion, or a re-review of the review opinion."""
    petition = _remembered_petition(request, pk)
    if petition is None:
        return _to_track(request)
    form = PetitionReviewForm(request.POST)
    if form.is_valid():
        request_it = petition_request_re_review if petition.reviewed_at else petition_request_review
        try:
            request_it(petition=petition, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, gettext("Your request was received. The decision comes in writing."))
            return redirect("public:matter", pk=pk)
    return _matter_page(request, petition, review_form=form)


@require_POST
def forget_view(request: HttpRequest) -> HttpResponse:
    """Remove the looked-up matters from this browser's session (for shared computers)."""
    request.session.pop(SESSION_PETITIONS, None)
    messages.success(request, gettext("This browser no longer shows your matters."))
    return redirect("public:track")


@never_cache
@require_GET
def document_view(request: HttpRequest, token: str) -> FileResponse:
    """Download a notice through a signed link that expires after an hour."""
    try:
        payload = signing.loads(token, salt=DOCUMENT_SALT, max_age=DOCUMENT_LINK_SECONDS)
    except signing.BadSignature:  # also an expired link (SignatureExpired)
        raise Http404 from None
    if not isinstance(payload, dict) or not all(isinstance(payload.get(k), int) for k in ("p", "d")):
        raise Http404
    document = (
        PetitionDocument.objects.select_related("petition")
        .filter(pk=int(payload["d"]), petition_id=int(payload["p"]), kind__in=PUBLIC_DOCUMENT_KINDS)
        .first()
    )
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except OSError:
        raise Http404 from None
    filename = f"{document.petition.number}-{DocumentKind(document.kind).label}.docx"
    return FileResponse(handle, as_attachment=True, filename=filename)
