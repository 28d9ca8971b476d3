"""Static checks of user code: it must parse and define its entry point. Nothing is executed."""

from __future__ import annotations

import ast

# Role -> positional arguments PyGAD passes (None: not a function).
ROLE_ARITY: dict[str, int | None] = {
    "fitness_func": 3,
    "on_start": 1,
    "on_fitness": 2,
    "on_parents": 2,
    "on_crossover": 2,
    "on_mutation": 2,
    "on_generation": 1,
    "on_stop": 2,
    "gene_constraint": None,
}
CODE_ROLES = tuple(ROLE_ARITY)
# PyGAD calls each gene constraint with the solution and the gene's candidate values.
GENE_CONSTRAINT_ARITY = 2
ENTRY_SUFFIX = "_entry"


def entry_name(code: dict[str, str], role: str) -> str:
    """The name the code of ``role`` must define: ``<role>_entry`` when given, else the role."""
    return code.get(role + ENTRY_SUFFIX) or role


def _accepts(args: ast.arguments, count: int) -> bool:
    """Whether a def can be called with ``count`` positional arguments."""
    positional = len(args.posonlyargs) + len(args.args)
    required = positional - len(args.defaults)
    required_kwonly = sum(1 for default in args.kw_defaults if default is None)
    if required_kwonly:
        return False
    return required <= count and (positional >= count or args.vararg is not None)


def _top_level_definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """Names bound at module level, mapped to the node that binds them last."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            found[node.target.id] = node.value
    return found


def check_source(role: str, source: str, entry: str) -> str | None:
    """Why this source cannot serve as ``role`` with entry ``entry``, or None when it can."""
    try:
        tree = ast.parse(source, filename=role)
    except SyntaxError as error:
        where = f"line {error.lineno}" + (f", column {error.offset}" if error.offset else "")
        return f"{where}: {error.msg}"
    except (ValueError, MemoryError, RecursionError) as error:
        return f"cannot be parsed: {type(error).__name__}"
    node = _top_level_definitions(tree).get(entry)
    arity = ROLE_ARITY[role]
    if arity is None:
        if not isinstance(node, (ast.List, ast.Tuple, ast.ListComp, ast.Call)):
            return f"must define a list named '{entry}' at the top level"
        for index, item in enumerate(getattr(node, "elts", [])):
            if isinstance(item, ast.Lambda) and not _accepts(item.args, GENE_CONSTRAINT_ARITY):
                return (f"constraint {index} of '{entry}' must accept {GENE_CONSTRAINT_ARITY} arguments "
                        "(solution, values)")
        return None
    if isinstance(node, ast.Lambda):
        args = node.args
    elif isinstance(node, ast.FunctionDef):
        args = node.args
    elif isinstance(node, ast.AsyncFunctionDef):
        return f"'{entry}' must be a plain function, not async"
    else:
        return f"must define a top-level function named '{entry}' (or name its function in {role}_entry)"
    if not _accepts(args, arity):
        return f"'{entry}' must accept {arity} positional argument{'s' if arity > 1 else ''}"
    return None


def gene_constraint_length(code: dict[str, str]) -> int | None:
    """How many constraints a literal gene_constraint list has (None when it is not literal)."""
    source = code.get("gene_constraint")
    if source is None:
        return None
    try:
        node = _top_level_definitions(ast.parse(source)).get(entry_name(code, "gene_constraint"))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return len(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else None
