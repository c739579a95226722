#!/usr/bin/env bash
# Build the wheel, install it in a fresh venv outside the checkout, and run the pinned commands from it:
# proves the package (code and shipped data: profiles, code tables, recipient directory, schemas,
# templates) works without the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

.venv/bin/python -m build --wheel --outdir "$work/dist" . >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q "$work"/dist/*.whl >"$work/install.log" 2>&1 \
  || { cat "$work/install.log"; exit 1; }

cd "$work"  # nothing of the checkout on sys.path
run() { echo "wheel check: $*" >&2; "$work/venv/bin/verzuim-gateway" "$@"; }
run evaluate "$repo/examples/example.json" >"$work/evaluate.json"
python3 - "$work/evaluate.json" "$repo/examples/example.expected.json" <<'PY'
import json, sys
got, want = (json.load(open(path, encoding="utf-8"))["signals"] for path in sys.argv[1:])
# Extra fields are allowed (DESIGN.md section 4); every pinned field must match.
trimmed = [{key: signal[key] for key in expected} for signal, expected in zip(got, want, strict=True)]
assert trimmed == want, "evaluate from the wheel differs from examples/example.expected.json"
PY
# The example names certificates under /etc/verzuim-gateway/pki: point it at a PKI made here instead.
"$work/venv/bin/python" -c 'import sys; from pathlib import Path; from gateway.testing.pki import demo_pki; demo_pki(Path(sys.argv[1]))' "$work/pki"
sed "s#/etc/verzuim-gateway/pki#$work/pki#g" "$repo/examples/school.toml" >"$work/school.toml"
MAGISTER_CLIENT_SECRET=x SMTP_PASSWORD=y run config check "$work/school.toml"
# Migrations and registration read the packaged migrations, profiles and recipient directory.
export VERZUIM_DATA_DIR="$work/data"
run db init >/dev/null
run db register-school "$work/school.toml"
"$work/venv/bin/python" - <<'PY'
from importlib.resources import files
for package, resource in [("adapters.duo", "schema/DUO_Verzuimloket_V1.wsdl"),
                          ("adapters.duo", "schema/DUO_Verzuimloket_V2.wsdl"),
                          ("gateway.delivery.document", "DUO_Verzuimloket_V1.xsd"),
                          ("gateway.delivery.document", "DUO_Verzuimloket_V2.xsd"),
                          ("adapters.mail", "schema/melding-2.schema.json"),
                          ("mappings", "melding/required.toml"),
                          ("gateway.console", "templates/base.html"), ("gateway.console", "static/console.css"),
                          ("mappings", "recipients/utrecht.toml"), ("mappings", "codes/magister.toml")]:
    assert (files(package) / resource).is_file(), f"{package}/{resource} missing from the wheel"
import gateway, mappings
from pathlib import Path
for module in (gateway, mappings):
    assert "site-packages" in str(Path(module.__file__)), f"{module.__name__} not from the wheel: {module.__file__}"
PY
# /docs and /redoc load their assets from the installed fastapi-offline package, not from a CDN.
"$work/venv/bin/python" - <<'PY'
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's TestClient warns about its httpx backend
    from fastapi.testclient import TestClient
from gateway.api.app import ApiSettings, create_app
client = TestClient(create_app(ApiSettings(), None))  # the documentation needs no store
for path in ("/docs", "/redoc", "/docs/static/swagger-ui-bundle.js", "/docs/static/redoc.standalone.js",
             "/docs/static/swagger-ui.css", "/docs/static/favicon.png"):
    response = client.get(path)
    assert response.status_code == 200 and response.content, f"{path} from the wheel: {response.status_code}"
PY
echo "wheel check: ok"
