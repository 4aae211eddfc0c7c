"""What a handler's cold start loads: heavy libraries only where the first invocation needs them."""

import json
import subprocess
import sys

import pytest

_PROBE = "import importlib, json, sys; importlib.import_module(sys.argv[1]); print(json.dumps(sorted(sys.modules)))"
LAZY = ("aws_lambda_powertools.event_handler.openapi.models", "pydantic_settings", "jinja2", "pypdf",
        "email.headerregistry")


def loaded_by(module: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True, check=True,
                          env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": ""})
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(("module", "lazy"), [
    ("gazette.handlers.api", LAZY),
    ("gazette.handlers.ingest", LAZY),
    ("gazette.handlers.mailer", ("aws_lambda_powertools.event_handler.openapi.models", "pydantic_settings", "pypdf",
                                 "feedparser")),
    ("gazette.handlers.poller", LAZY),
])
def test_handler_import_leaves_heavy_libraries_to_their_first_use(module, lazy):
    assert loaded_by(module) & set(lazy) == set()


def test_openapi_models_load_when_swagger_ui_is_asked_for():
    probe = ("import json, sys\n"
             "from gazette.handlers import api\n"
             "before = 'aws_lambda_powertools.event_handler.openapi.models' in sys.modules\n"
             "event = {'version': '2.0', 'routeKey': '$default', 'rawPath': '/docs', 'rawQueryString': '',\n"
             "         'headers': {'accept': 'text/html'},\n"
             "         'requestContext': {'http': {'method': 'GET', 'path': '/docs'}, 'stage': '$default'},\n"
             "         'isBase64Encoded': False}\n"
             "response = api.app.resolve(event, None)\n"
             "print(json.dumps([before, 'aws_lambda_powertools.event_handler.openapi.models' in sys.modules,\n"
             "                  response['statusCode'], response['headers']['Content-Type']]))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": ""})
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, True, 200, "text/html"]
