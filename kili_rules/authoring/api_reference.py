"""The reference of what a Python rule reads (``docs/python-rules-api.md``), generated from the code.

Every public attribute, property and method of the objects a rule function receives (:data:`API_CLASSES`: the
label view, the answers and objects it gives, their points, the project's interface), one line each: its name, its
type as the code annotates it, and the summary of its documentation, which is:

- for a method or a property, the first paragraph of its docstring;
- for an attribute set in ``__init__`` or declared in the class body, the ``#:`` comment above it, else its entry
  in the class docstring's ``Attributes:`` section; its type is its annotation, or that of the ``__init__``
  parameter it is set from.

``python -m kili_rules.authoring.docs --python-api > docs/python-rules-api.md`` regenerates the page (a test fails
when it is stale, and when a public name has no type or no documentation); ``kili-rules rules --python-api`` prints
it.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass

from kili_rules.runtime import job_walk
from kili_rules.runtime.interface import Job, ProjectInterface
from kili_rules.runtime.label_model import Annotation, JobResponse, Point
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.model import Violation
from kili_rules.runtime.unreadable import Unreadable

#: The classes of the reference, in its order: each with where a rule gets one, and whether its constructor is shown
#: (what a rule or its test calls).
API_CLASSES: tuple[tuple[type, str, bool], ...] = (
    (LabelView, "the argument of a rule function (`def my_rule(label): ...`); a test makes one", True),
    (JobResponse, "`label.responses(job)`: one per occurrence of the job", False),
    (Annotation, "`label.annotations(job)`, `response.annotations`: one per object", False),
    (Point, "`annotation.vertices`, `.rings`, `.polyline`, `.point`, `.pose_points`", False),
    (ProjectInterface, "`label.interface`", False),
    (Job, "`label.interface.jobs[job]`, `label.interface.job(job)`", False),
    (Violation, "what a rule returns or yields, one per finding (`from kili_rules import Violation`)", True),
)
#: Records named in the reference's types, listed with their fields after the classes.
RECORDS: tuple[type, ...] = (Unreadable,)
#: Type aliases named in the reference's types, listed after the classes: (module, name).
TYPE_ALIASES = ((job_walk, "Occurrence"),)
#: The container protocols a class may support, as a rule writes them.
_PROTOCOLS = (("__len__", "`len(x)`"), ("__contains__", "`name in x`"), ("__iter__", "`for name in x`"))
_ROLE = re.compile(r":[a-z]+:`(~?)([^`]+)`")


@dataclass(frozen=True)
class Member:
    """One public name of a class, as the reference shows it."""

    #: the attribute's name
    name: str
    #: how the reference writes it: ``text: str | None``, ``responses(job: str) -> list[JobResponse]``
    shown: str
    #: its annotation as written in the code (a method's return annotation); ``""`` when it has none
    type: str
    #: the summary of its documentation, on one line; ``""`` when it has none
    doc: str


def markdown_line(text: str) -> str:
    """reStructuredText inline markup as Markdown (````x```` and ``:meth:`~a.x``` as ```x```), on one line."""
    text = " ".join(text.split())
    text = _ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)
    return text.replace("``", "`")


def summary(docstring: str | None) -> str:
    """The first paragraph of a docstring, on one line, in Markdown."""
    return markdown_line(inspect.cleandoc(docstring or "").split("\n\n", 1)[0])


def documented_attributes(docstring: str | None) -> dict[str, str]:
    """The entries of a docstring's ``Attributes:`` section (Google style): name -> summary."""
    found: dict[str, str] = {}
    lines = inspect.cleandoc(docstring or "").splitlines()
    if "Attributes:" not in lines:
        return found
    name = None
    for line in lines[lines.index("Attributes:") + 1 :]:
        if line and not line.startswith(" "):  # the next section
            break
        entry = re.match(r"^ {4}(\w+): (.*)$", line)
        if entry:
            name = entry.group(1)
            found[name] = entry.group(2)
        elif name is not None and line.strip():
            found[name] += " " + line.strip()
    return {key: markdown_line(value) for key, value in found.items()}


def _comment_above(lines: list[str], lineno: int) -> str:
    """The ``#:`` comment lines right above line ``lineno`` (1-based) of ``lines``, joined, in Markdown."""
    found: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#:"):
        found.insert(0, lines[index].strip()[2:].strip())
        index -= 1
    return markdown_line(" ".join(found))


def _parameter(arg: ast.arg, default: ast.expr | None) -> str:
    text = arg.arg
    if arg.annotation is not None:
        text += f": {ast.unparse(arg.annotation)}"
    if default is not None:  # a private sentinel (``_NO_VALUES``) reads as ``...``: optional, and no more
        shown = "..." if isinstance(default, ast.Name) and default.id.startswith("_") else ast.unparse(default)
        text += f"{' = ' if arg.annotation is not None else '='}{shown}"
    return text


def signature(node: ast.FunctionDef, *, bound: bool) -> str:
    """A function's parameters as written (without ``self`` or ``cls`` when ``bound``), in parentheses."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    parts = [_parameter(arg, default) for arg, default in zip(positional, [*defaults, *args.defaults], strict=True)]
    parts = parts[1:] if bound else parts
    if args.vararg is not None:
        parts.append("*" + _parameter(args.vararg, None))
    elif args.kwonlyargs:
        parts.append("*")
    parts += [_parameter(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg is not None:
        parts.append("**" + _parameter(args.kwarg, None))
    return f"({', '.join(parts)})"


def _init_attributes(node: ast.FunctionDef, lines: list[str], documented: dict[str, str]) -> list[Member]:
    """The public attributes ``__init__`` sets on ``self``, in order."""
    parameters = {a.arg: a.annotation for a in [*node.args.args, *node.args.kwonlyargs] if a.annotation is not None}
    found: dict[str, Member] = {}
    statements = [n for n in ast.walk(node) if isinstance(n, (ast.Assign, ast.AnnAssign))]
    for statement in sorted(statements, key=lambda n: n.lineno):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        annotation = statement.annotation if isinstance(statement, ast.AnnAssign) else None
        if annotation is None and isinstance(statement.value, ast.Name):
            annotation = parameters.get(statement.value.id)
        for target in targets:
            if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)):
                continue
            if target.value.id != "self" or target.attr.startswith("_") or target.attr in found:
                continue
            kind = ast.unparse(annotation) if annotation is not None else ""
            doc = _comment_above(lines, statement.lineno) or documented.get(target.attr, "")
            found[target.attr] = Member(target.attr, f"{target.attr}: {kind}", kind, doc)
    return list(found.values())


def _method(node: ast.FunctionDef, owner: str) -> Member:
    decorators = {ast.unparse(d) for d in node.decorator_list}
    kind = ast.unparse(node.returns) if node.returns is not None else ""
    doc = summary(ast.get_docstring(node))
    if "property" in decorators:
        return Member(node.name, f"{node.name}: {kind}", kind, doc)
    prefix = f"{owner}." if decorators & {"classmethod", "staticmethod"} else ""
    call = prefix + node.name + signature(node, bound="staticmethod" not in decorators)
    return Member(node.name, f"{call} -> {kind}" if kind else call, kind, doc)


def members(cls: type) -> list[Member]:
    """Every public attribute, property and method ``cls`` defines, in the order of its source."""
    lines = textwrap.dedent(inspect.getsource(cls)).splitlines()
    tree = ast.parse("\n".join(lines)).body[0]
    assert isinstance(tree, ast.ClassDef)
    documented = documented_attributes(ast.get_docstring(tree))
    found: list[Member] = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, kind = node.target.id, ast.unparse(node.annotation)
            doc = _comment_above(lines, node.lineno) or documented.get(name, "")
            if not name.startswith("_"):
                found.append(Member(name, f"{name}: {kind}", kind, doc))
        elif isinstance(node, ast.FunctionDef) and node.name == "__init__":
            found += _init_attributes(node, lines, documented)
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            found.append(_method(node, cls.__name__))
    return found


def _protocols(cls: type) -> str:
    supported = [how for name, how in _PROTOCOLS if cls.__dict__.get(name) is not None]
    return f"\n\nAlso: {', '.join(supported)}." if supported else ""


def constructor(cls: type) -> str:
    """How the class is called, from its ``__init__`` as written."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(tree, ast.ClassDef)
    init = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return cls.__name__ + signature(init, bound=True)


def class_section(cls: type, where: str, with_constructor: bool = False) -> str:
    """The reference of one class: what it is, where a rule gets one, one line a public name."""
    made = f"\n\n`{constructor(cls)}`" if with_constructor else ""
    lines = [
        f"## `{cls.__name__}`\n",
        f"{summary(cls.__doc__)}\n",
        f"Where: {where}. Code: `{cls.__module__}.{cls.__qualname__}`.{_protocols(cls)}{made}\n",
    ]
    lines += [f"- `{member.shown}`: {member.doc}" for member in members(cls)]
    return "\n".join(lines) + "\n"


def record_line(cls: type) -> str:
    """A named tuple as one line: its fields with their types, and its summary."""
    fields = ", ".join(member.shown for member in members(cls))
    return f"- `{cls.__name__}({fields})`: {summary(cls.__doc__)}"


def alias_line(module: object, name: str) -> str:
    """A type alias as one line: its name, what it stands for and the ``#:`` comment above it."""
    lines = inspect.getsource(module).splitlines()  # type: ignore[arg-type]
    for node in ast.parse("\n".join(lines)).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = ast.unparse(node.value).replace("'", "")  # forward references written as strings
            return f"- `{name}`: `{value}`: {_comment_above(lines, node.lineno)}"
    raise LookupError(f"{name} is not assigned at the top level of {getattr(module, '__name__', module)}")


def python_api_markdown() -> str:
    """The reference page of the Python rule API."""
    parts = [
        "# The Python rule API\n",
        "Generated from the code by `python -m kili_rules.authoring.docs --python-api`; do not edit.\n",
        "A Python rule is a function of a `LabelView` (see the README's Python rules section). What it reads, one",
        "line a name: its type as the code annotates it, and the summary of its documentation. Every object here is",
        "read-only: its `raw` dicts are the label's own, shared by every rule. When a rule reads a name these",
        "objects do not have, `eval`, `test`, `check` and the plugin's log add the nearest ones to the error, at the",
        "rule's line (`rules.py:7: AttributeError: 'Annotation' object has no attribute 'points'; did you mean",
        "'vertices', 'pose_points' or 'point'?`), or list them all; `point[\"x\"]` says to write `point.x`.\n",
    ]
    parts += [class_section(*entry) for entry in API_CLASSES]
    parts.append("## Other types\n")
    parts += [record_line(cls) for cls in RECORDS]
    parts += [alias_line(module, name) for module, name in TYPE_ALIASES]
    return "\n".join(parts) + "\n"
