#!/usr/bin/env python3
"""
Checks every HTTP exchange the test suite recorded (emulator/exchange-log.ts) against AWS's own
API models, as botocore publishes them: the OpenSearch Service model (opensearch 2021-01-01) for
the emulator, the CloudFormation model (2010-05-15) for the local runner's stand-in.

Requests: the operation (found by its HTTP binding), then botocore's own ParamValidator (required
members, unknown members, types, minimum lengths and values), then what it leaves to the service:
enums, maximum lengths and values, patterns. A request of the library's handlers (their
User-Agent names `cdk-opensearch-lifecycle`) that the model refuses is a failure; so is any
request the model refuses that the emulator accepted. (The emulator's own tests send invalid
requests on purpose: refused by both, they pass.)

Responses: a success body is read against the operation's output shape (member names, types,
enums, required members); an error's code must be one the model lists for that operation (or an
AWS common error), with the HTTP status the model gives it. Faults a test injected are the test's
choice and are not checked.

Usage: check.py <folder of *.jsonl>; exits 1 when anything is refused, 2 when nothing was recorded.
check.py --self-test known-bad: exits 1 unless every exchange there is refused (the check can fail).
"""
import json
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from datetime import datetime

import botocore
import botocore.session
from botocore.validate import ParamValidator

HANDLER_AGENT = "cdk-opensearch-lifecycle"

# The errors every AWS API may answer besides those an operation lists (the API references'
# "Common Errors" pages), with their HTTP status.
COMMON_ERRORS = {
    "AccessDeniedException": 403,
    "IncompleteSignature": 400,
    "InternalFailure": 500,
    "InvalidAction": 400,
    "InvalidClientTokenId": 403,
    "MissingAuthenticationTokenException": 403,
    "NotAuthorized": 400,
    "RequestExpired": 400,
    "ServiceUnavailable": 503,
    "ThrottlingException": 400,
    "Throttling": 400,
    "ValidationError": 400,
}


class Refusal(Exception):
    pass


def load_models():
    session = botocore.session.get_session()
    return {
        "opensearch": session.get_service_model("opensearch", api_version="2021-01-01"),
        "cloudformation": session.get_service_model("cloudformation", api_version="2010-05-15"),
    }


# ---------------------------------------------------------------------------------------------
# values against shapes (what botocore's ParamValidator leaves out, and response bodies)


def check_value(value, shape, where, problems, wire):
    """wire: 'json' (rest-json body: timestamps as epoch seconds) or 'params' (validated input)."""
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        names = {m.serialization.get("name", n) if wire == "json" else n: n for n, m in shape.members.items()}
        for key, item in value.items():
            if key not in names:
                problems.append(f"{where}.{key}: not a member of {shape.name}")
                continue
            check_value(item, shape.members[names[key]], f"{where}.{key}", problems, wire)
        for required in shape.required_members:
            wire_name = shape.members[required].serialization.get("name", required) if wire == "json" else required
            if wire_name not in value:
                problems.append(f"{where}: required member {required} of {shape.name} missing")
    elif t == "list":
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list ({shape.name})")
            return
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} items, more than the maximum {meta['max']}")
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{where}: {len(value)} items, fewer than the minimum {meta['min']}")
        for i, item in enumerate(value):
            check_value(item, shape.member, f"{where}[{i}]", problems, wire)
    elif t == "map":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected a map ({shape.name})")
            return
        for key, item in value.items():
            check_value(key, shape.key, f"{where} key", problems, wire)
            check_value(item, shape.value, f"{where}.{key}", problems, wire)
    elif t == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expected a string ({shape.name}), got {json.dumps(value)}")
            return
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.name}'s values {list(shape.enum)}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{where}: {len(value)} characters, more than the maximum {meta['max']} of {shape.name}")
        if "min" in meta and len(value) < meta["min"]:
            problems.append(f"{where}: {len(value)} characters, fewer than the minimum {meta['min']} of {shape.name}")
        if "pattern" in meta and re.search(meta["pattern"], value) is None:
            problems.append(f"{where}: {value!r} does not match {shape.name}'s pattern {meta['pattern']}")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{where}: expected an integer ({shape.name}), got {json.dumps(value)}")
            return
        if "max" in meta and value > meta["max"]:
            problems.append(f"{where}: {value} is more than the maximum {meta['max']} of {shape.name}")
        if "min" in meta and value < meta["min"]:
            problems.append(f"{where}: {value} is less than the minimum {meta['min']} of {shape.name}")
    elif t in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{where}: expected a number ({shape.name})")
    elif t == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{where}: expected a boolean ({shape.name}), got {json.dumps(value)}")
    elif t == "timestamp":
        if wire == "json" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            problems.append(f"{where}: a timestamp travels as epoch seconds in rest-json, got {json.dumps(value)}")
    elif t == "blob":
        if not isinstance(value, str):
            problems.append(f"{where}: expected base64 text ({shape.name})")


def coerce(text, shape):
    """A querystring or path value, as the member's type."""
    if shape.type_name in ("integer", "long"):
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if shape.type_name == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def validate_params(params, input_shape):
    problems = []
    report = ParamValidator().validate(params, input_shape)
    if report.has_errors():
        problems.append(report.generate_report().replace("\n", "; "))
    check_value(params, input_shape, "request", problems, "params")
    return problems


# ValidationException (HTTP 400) is listed for 77 of the OpenSearch model's 88 operations; the
# older cross-cluster and VPC endpoint operations lack it, though the service validates their
# input the same way (the emulator answers it there for invalid filters and states). Accepted for
# every OpenSearch operation, and nothing else is.
UNLISTED_BUT_MODELED = {"opensearch": {"ValidationException"}, "cloudformation": set()}


def error_problems(operation, error_type, status):
    if error_type is None:
        return [f"error answer {status} without an error type"]
    modeled = {shape.name: shape for shape in operation.error_shapes}
    service = operation.service_model.service_name
    if error_type in UNLISTED_BUT_MODELED.get(service, set()) and error_type not in modeled:
        modeled[error_type] = operation.service_model.shape_for(error_type)
    if error_type in modeled:
        expected = modeled[error_type].metadata.get("error", {}).get("httpStatusCode")
        if expected is not None and expected != status:
            return [f"{error_type} answered with HTTP {status}; the model gives it {expected}"]
        return []
    if error_type in COMMON_ERRORS:
        if COMMON_ERRORS[error_type] != status and not (error_type.startswith("Throttl") and status == 429):
            return [f"{error_type} answered with HTTP {status}; as a common error it is {COMMON_ERRORS[error_type]}"]
        return []
    return [f"{error_type} (HTTP {status}) is not an error the model lists for {operation.name}: {sorted(modeled)}"]


# ---------------------------------------------------------------------------------------------
# rest-json (OpenSearch)


def route_table(model):
    routes = []
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http["requestUri"].split("?")[0]
        pattern = re.sub(r"\{([^}+]+)\+\}", r"(?P<\1>.+)", uri)
        pattern = re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", pattern)
        routes.append((op.http["method"], re.compile(f"^{pattern}$"), uri.count("{"), op))
    return routes


def find_operation(routes, method, path):
    matches = [(labels, op, m) for (verb, regex, labels, op) in routes if verb == method for m in [regex.match(path)] if m]
    if not matches:
        return None, None
    labels, op, match = sorted(matches, key=lambda entry: entry[0])[0]
    return op, match


def check_rest_json(exchange, routes):
    op, match = find_operation(routes, exchange["method"], exchange["path"])
    if op is None:
        return None, [f"no operation of the model is {exchange['method']} {exchange['path']}"], []
    params = {}
    shape = op.input_shape
    request_problems = []
    if shape is not None:
        body_members = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if location == "uri":
                params[name] = urllib.parse.unquote(match.group(wire))
            elif location == "querystring":
                if wire in exchange["query"]:
                    params[name] = coerce(exchange["query"][wire], member)
            elif location is None:
                body_members[wire] = name
        known_query = {m.serialization.get("name", n) for n, m in shape.members.items() if m.serialization.get("location") == "querystring"}
        for key in exchange["query"]:
            if key not in known_query:
                request_problems.append(f"query parameter {key} is not a member of {shape.name}")
        text = exchange["requestBody"]
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                body = None
                request_problems.append("the request body is not JSON")
            if isinstance(body, dict):
                for key, value in body.items():
                    params[body_members.get(key, key)] = value
        request_problems += validate_params(params, shape)
    elif exchange["requestBody"]:
        request_problems.append("a body for an operation without input")

    response_problems = []
    if exchange.get("fault"):
        return op, request_problems, response_problems
    status = exchange["status"]
    if 200 <= status < 300:
        output = op.output_shape
        body = json.loads(exchange["responseBody"] or "{}")
        if output is not None:
            body_shape_members = {n: m for n, m in output.members.items() if m.serialization.get("location") is None}
            if any(m.serialization.get("payload") for m in output.members.values()):
                pass
            else:
                trimmed = botocore.model.StructureShape(
                    output.name, {"type": "structure", "members": {}}, output._shape_resolver
                )
                problems = []
                names = {m.serialization.get("name", n): n for n, m in body_shape_members.items()}
                for key, value in body.items():
                    if key not in names:
                        problems.append(f"response.{key}: not a member of {output.name}")
                    else:
                        check_value(value, body_shape_members[names[key]], f"response.{key}", problems, "json")
                for required in output.required_members:
                    if required in body_shape_members and body_shape_members[required].serialization.get("name", required) not in body:
                        problems.append(f"response: required member {required} of {output.name} missing")
                del trimmed
                response_problems += problems
        elif body:
            response_problems.append("a body for an operation without output")
    else:
        response_problems += error_problems(op, exchange.get("errorType"), status)
    return op, request_problems, response_problems


# ---------------------------------------------------------------------------------------------
# query protocol (CloudFormation): requests form-encoded, answers in XML


def local(tag):
    return tag.split("}", 1)[-1]


def check_xml(element, shape, where, problems):
    t = shape.type_name
    if t == "structure":
        names = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        for child in element:
            key = local(child.tag)
            if key not in names:
                problems.append(f"{where}.{key}: not a member of {shape.name}")
                continue
            check_xml(child, shape.members[names[key]], f"{where}.{key}", problems)
        present = {local(child.tag) for child in element}
        for required in shape.required_members:
            if shape.members[required].serialization.get("name", required) not in present:
                problems.append(f"{where}: required member {required} of {shape.name} missing")
    elif t == "list":
        for i, child in enumerate(element):
            if local(child.tag) != shape.member.serialization.get("name", "member"):
                problems.append(f"{where}: list item <{local(child.tag)}>, expected <member>")
            check_xml(child, shape.member, f"{where}[{i}]", problems)
    else:
        text = element.text or ""
        if t == "timestamp":
            try:
                datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{where}: {text!r} is not an ISO 8601 timestamp")
        elif t in ("integer", "long"):
            check_value(coerce(text, shape), shape, where, problems, "params")
        elif t == "boolean":
            if text not in ("true", "false"):
                problems.append(f"{where}: {text!r} is not a boolean")
        else:
            check_value(text, shape, where, problems, "params")


def check_query(exchange, model):
    form = dict(urllib.parse.parse_qsl(exchange["requestBody"], keep_blank_values=True))
    action = form.pop("Action", None)
    form.pop("Version", None)
    if action not in model.operation_names:
        return None, [f"Action {action!r} is not an operation of the model"], []
    op = model.operation_model(action)
    params = {}
    for key, value in form.items():
        member = op.input_shape.members.get(key) if op.input_shape else None
        params[key] = coerce(value, member) if member is not None else value
    request_problems = validate_params(params, op.input_shape) if op.input_shape else []

    response_problems = []
    if exchange.get("fault"):
        return op, request_problems, response_problems
    root = ET.fromstring(exchange["responseBody"])
    status = exchange["status"]
    if 200 <= status < 300:
        if local(root.tag) != f"{action}Response":
            response_problems.append(f"root element <{local(root.tag)}>, expected <{action}Response>")
        wrapper = op.output_shape.serialization.get("resultWrapper")
        for child in root:
            if local(child.tag) == wrapper:
                check_xml(child, op.output_shape, "response", response_problems)
            elif local(child.tag) != "ResponseMetadata":
                response_problems.append(f"response: <{local(child.tag)}> is neither {wrapper} nor ResponseMetadata")
        # botocore's own parser must read it too.
        botocore.parsers.QueryParser().parse(
            {"body": exchange["responseBody"].encode(), "headers": {}, "status_code": status}, op.output_shape
        )
    else:
        code = root.find(".//{*}Code")
        response_problems += error_problems(op, code.text if code is not None else None, status)
    return op, request_problems, response_problems


# ---------------------------------------------------------------------------------------------


def main(folder, self_test=False):
    models = load_models()
    routes = route_table(models["opensearch"])
    files = sorted(f for f in os.listdir(folder) if f.endswith(".jsonl")) if os.path.isdir(folder) else []
    checked = {"opensearch": 0, "cloudformation": 0}
    refused = []
    operations = set()
    seen = []
    for name in files:
        with open(os.path.join(folder, name), encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                exchange = json.loads(line)
                service = exchange["service"]
                if service == "opensearch":
                    op, request_problems, response_problems = check_rest_json(exchange, routes)
                else:
                    op, request_problems, response_problems = check_query(exchange, models["cloudformation"])
                checked[service] += 1
                seen.append(f"{name}:{number}")
                label = f"{name}:{number} {service} {op.name if op else exchange['method'] + ' ' + exchange['path']}"
                if op is not None:
                    operations.add(f"{service}:{op.name}")
                from_handler = HANDLER_AGENT in exchange.get("userAgent", "")
                accepted = 200 <= exchange["status"] < 300
                if request_problems and (from_handler or accepted):
                    who = "the library's handler sent" if from_handler else "the emulator accepted"
                    refused.append(f"{label}: {who} a request the model refuses: {'; '.join(request_problems)}")
                if response_problems:
                    refused.append(f"{label}: the answer (HTTP {exchange['status']}) is refused by the model: {'; '.join(response_problems)}")
    total = sum(checked.values())
    if self_test:
        # Every exchange of the known-bad set must be refused: the check can fail.
        refused_labels = {line.split(" ", 1)[0] for line in refused}
        missed = [label for label in seen if label not in refused_labels]
        if missed or not seen:
            print(f"api-model-check self-test: exchanges that should have been refused were not: {missed or 'all'}")
            return 1
        print(f"api-model-check self-test: all {total} known-bad exchanges refused")
        return 0
    if total == 0:
        print(f"api-model-check: no exchanges recorded in {folder}: run the tests first (npm test)")
        return 2
    for line in refused:
        print(line)
    print(
        f"api-model-check: botocore {botocore.__version__}: {total} exchanges checked "
        f"(opensearch {checked['opensearch']}, cloudformation {checked['cloudformation']}; "
        f"{len(operations)} operations), {len(refused)} refused"
    )
    return 1 if refused else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--self-test"]:
        sys.exit(main(arguments[1], self_test=True))
    sys.exit(main(arguments[0] if arguments else "node_modules/.cache/api-exchanges"))
