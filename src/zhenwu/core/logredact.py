"""A logging filter that masks ID numbers and mobile phone numbers in every record it passes.

No code passes personal data to a logger on purpose; this catches what arrives by accident: an
exception whose message quotes a submitted value, a library that logs a query's parameters. The
message is formatted, masked and frozen; an exception's text is masked in the record's cache,
which the handler's formatter then prints as it is.
"""

import logging
import re

#: 18-character resident ID numbers (GB 11643) and 11-digit mainland mobile numbers, not inside
#: longer digit runs (an order number or a timestamp keeps its digits).
PERSONAL_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|1[3-9]\d{9})(?![0-9A-Za-z])")
MASK = "[redacted]"


def redact(text: str) -> str:
    return PERSONAL_NUMBER.sub(MASK, text)


class RedactPersonalData(logging.Filter):
    """Attach to a handler: every record it writes has ID numbers and phones masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call is the logging module's to report
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
