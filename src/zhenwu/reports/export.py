"""The summary as files: .xlsx (openpyxl) and .docx in the GB/T 9704 layout (core.documents)."""

from zhenwu.reports.summary import Summary


def summary_xlsx(summary: Summary) -> bytes:
    raise NotImplementedError


def summary_docx(summary: Summary) -> bytes:
    raise NotImplementedError


def summary_filename(summary: Summary, extension: str) -> str:
    raise NotImplementedError
