#!/usr/bin/env bash
# README "Installing" and "Deploying on a server", as a script. Lines marked `# README` are
# the README's commands (with "$ROOT" in front of absolute paths);
# tests/deploy/test_readme_steps.py fails when the README and this script disagree.
#
#   readme_steps.sh PHASE      PHASE: install | secrets | units | setup | start
#
# On a fresh Debian with systemd, as root with ROOT unset, the phases are the deployment
# (edit /etc/dunmail/config.toml between `install` and `secrets`). The tests run them with
# ROOT=<a temporary folder> (every absolute path moves under it) and SYSTEMD=no: then `dm`
# runs dunmail directly instead of through systemd-run, the units are checked with
# `systemd-analyze verify` when it exists, and `start` is skipped.
#
# Environment: REPO (what to clone; skipped when $ROOT/opt/dunmail holds a checkout),
# IMAP_PASSWORD and SMTP_PASSWORD (read by `secrets` instead of the keyboard), IMPORT_FROM
# (a folder with invoices.csv and statement.xml for `setup`), CONNECT=no to skip
# `check-config --connect`.
set -euo pipefail
phase=${1:?usage: readme_steps.sh install|secrets|units|setup|start}
ROOT=${ROOT:-}
SYSTEMD=${SYSTEMD:-yes}
USER=${USER:-$(id -un)}

if [ "$SYSTEMD" = yes ]; then
  # README step 4: dunmail as the service's own user, with the service's credentials.
  dm() { sudo systemd-run --pty --quiet --collect -p DynamicUser=yes -p User=dunmail -p StateDirectory=dunmail -p LoadCredential=imap-password:/etc/credstore/imap-password -p LoadCredential=smtp-password:/etc/credstore/smtp-password /opt/dunmail/.venv/bin/dunmail --config /etc/dunmail/config.toml "$@"; }  # README
else
  dm() { "$ROOT/opt/dunmail/.venv/bin/dunmail" --config "$ROOT/etc/dunmail/config.toml" --credentials-dir "$ROOT/etc/credstore" "$@"; }
  sudo() { "$@"; }
fi

case "$phase" in
install)
  sudo mkdir -p "$ROOT/opt/dunmail" && sudo chown "$USER" "$ROOT/opt/dunmail"  # README
  if [ ! -e "$ROOT/opt/dunmail/pyproject.toml" ]; then
    git clone "${REPO:?}" "$ROOT/opt/dunmail"
  fi
  cd "$ROOT/opt/dunmail"  # README
  python3 -m venv .venv && .venv/bin/pip install .  # README
  sudo mkdir -p "$ROOT/etc/dunmail" && sudo cp config.example.toml "$ROOT/etc/dunmail/config.toml"  # README
  ;;
secrets)
  sudo install -d -m 700 "$ROOT/etc/credstore"  # README
  printf '%s' "${IMAP_PASSWORD:?}" | sudo install -m 600 /dev/stdin "$ROOT/etc/credstore/imap-password"  # README
  printf '%s' "${SMTP_PASSWORD:?}" | sudo install -m 600 /dev/stdin "$ROOT/etc/credstore/smtp-password"  # README
  ;;
units)
  cd "$ROOT/opt/dunmail"  # README
  sudo mkdir -p "$ROOT/etc/systemd/system"
  sudo cp systemd/dunmail.service systemd/dunmail-backup.service systemd/dunmail-backup.timer "$ROOT/etc/systemd/system/"  # README
  if [ "$SYSTEMD" = yes ]; then
    sudo systemctl daemon-reload  # README
  elif command -v systemd-analyze >/dev/null; then
    # The units name /opt/dunmail: verify them as they would be under $ROOT.
    sed -i "s|/opt/dunmail|$ROOT/opt/dunmail|g" "$ROOT"/etc/systemd/system/dunmail*.service
    systemd-analyze verify "$ROOT"/etc/systemd/system/dunmail.service \
      "$ROOT"/etc/systemd/system/dunmail-backup.service \
      "$ROOT"/etc/systemd/system/dunmail-backup.timer
    echo "units verified"
  else
    echo "units not verified: no systemd-analyze"
  fi
  ;;
setup)
  [ "$SYSTEMD" = yes ] || mkdir -p "$ROOT/var/lib/dunmail"  # systemd's StateDirectory=
  if [ "${CONNECT:-yes}" = yes ]; then
    dm check-config --connect  # README
  else
    dm check-config
  fi
  dm init  # README
  cd "${IMPORT_FROM:?}"
  sudo install -d -m 755 "$ROOT/srv/dunmail-import" && sudo cp invoices.csv statement.xml "$ROOT/srv/dunmail-import/"  # README
  dm invoices import "$ROOT/srv/dunmail-import/invoices.csv"  # README
  dm statements import "$ROOT/srv/dunmail-import/statement.xml"  # README
  dm preview  # README
  ;;
start)
  if [ "$SYSTEMD" != yes ]; then
    echo "start skipped: no systemd"
    exit 0
  fi
  sudo systemctl enable --now dunmail.service dunmail-backup.timer  # README
  dm status  # README
  ;;
*)
  echo "unknown phase $phase" >&2
  exit 2
  ;;
esac
