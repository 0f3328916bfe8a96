#!/usr/bin/env bash
# Lint step: every user-facing string has a zh_Hans translation, and the committed .mo matches the .po.
# Installs gettext from the Debian packages when it is missing (makemessages needs xgettext).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v xgettext >/dev/null || ! command -v msgfmt >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: gettext is missing; install the 'gettext' package (needs root)." >&2
    exit 1
  fi
  echo "gettext is not installed; installing it from the Debian packages…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gettext >/dev/null
fi

PO=src/zhenwu/locale/zh_Hans/LC_MESSAGES/django.po
MO=src/zhenwu/locale/zh_Hans/LC_MESSAGES/django.mo
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$PO" "$WORK/committed.po"

# Re-extract into the .po (as `make messages` does) and see whether anything is untranslated.
(cd src/zhenwu && ../../.venv/bin/python ../../manage.py makemessages -l zh_Hans --no-location --no-obsolete -v 0)
untranslated="$(msgattrib --untranslated --no-obsolete "$PO" | grep -c '^msgid ' || true)"
fuzzy="$(msgattrib --only-fuzzy --no-obsolete "$PO" | grep -c '^msgid ' || true)"
# msgattrib prints the header entry too when it prints anything.
if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
  echo "error: $PO has untranslated or fuzzy entries:" >&2
  msgattrib --untranslated --no-obsolete "$PO" > "$WORK/untranslated.po"
  msgattrib --only-fuzzy --no-obsolete "$PO" > "$WORK/fuzzy.po"
  grep -h '^msgid ' "$WORK/untranslated.po" "$WORK/fuzzy.po" | sed -n '1,40p' >&2
  echo "Translate them (make messages updates the file), then commit the .po and .mo." >&2
  exit 1
fi
msgfmt --check -o "$WORK/fresh.mo" "$PO"
if ! cmp -s "$WORK/fresh.mo" "$MO"; then
  echo "error: $MO is out of date with $PO: run 'make messages' and commit the .mo." >&2
  exit 1
fi
echo "translations: complete"
