# shellcheck shell=bash
# Sourced by scripts/e2e and scripts/bench-serve: creates (or reuses) the Python environment for the
# end-to-end tests and the load benchmark at target/e2e-venv, and installs tests/e2e/requirements.txt
# into it only when that file changed since the last install.
#
# After `e2e_venv REPO_ROOT`, E2E_PYTHON is the venv's interpreter.

e2e_venv() {
  local root="$1"
  local venv="$root/target/e2e-venv"
  local requirements="$root/tests/e2e/requirements.txt"
  local stamp="$venv/.requirements.sha256"
  local python="${PYTHON:-python3}"

  if ! command -v "$python" >/dev/null 2>&1; then
    echo "e2e: $python not found; the end-to-end tests need Python 3.11 or newer" >&2
    return 1
  fi
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "e2e: $("$python" --version 2>&1) is too old; the end-to-end tests need Python 3.11 or newer" >&2
    return 1
  fi
  if [[ ! -x "$venv/bin/python" ]]; then
    mkdir -p "$root/target"
    if ! "$python" -m venv "$venv"; then
      echo "e2e: could not create $venv (on Debian/Ubuntu: apt-get install python3-venv)" >&2
      rm -rf "$venv"
      return 1
    fi
  fi
  local wanted
  wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "e2e: installing $(basename "$requirements") into ${venv#"$root"/}" >&2
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet --requirement "$requirements"
    echo "$wanted" >"$stamp"
  fi
  E2E_PYTHON="$venv/bin/python"
  export E2E_PYTHON
}
