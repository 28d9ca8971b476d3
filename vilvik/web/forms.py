"""The site's forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

import json
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, FloatField, IntegerField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional

from ..engine.code import CODE_ROLES, ENTRY_SUFFIX
from ..engine.parameters import CROSSOVER_TYPES, GENE_TYPE_NAMES, MUTATION_TYPES, PARENT_SELECTION_TYPES
from ..models import SCOPES
from ..strict_json import parse_strict_json

PASSWORD = [DataRequired(), Length(min=8, max=200)]


class SignUpForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField("Password", validators=PASSWORD)
    confirm = PasswordField("Repeat the password", validators=[EqualTo("password", "The passwords differ.")])


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = PasswordField("New password", validators=PASSWORD)
    confirm = PasswordField("Repeat the new password", validators=[EqualTo("password", "The passwords differ.")])


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class KeyForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=100)])
    scopes = CheckboxesField("Scopes", choices=[SelectChoice(scope) for scope in SCOPES],
                             validators=[DataRequired("Choose at least one scope.")])
    expires_in_days = IntegerField("Expires after (days)", validators=[Optional(), NumberRange(1, 3650)])


NONE = "none"


def _choices(names: tuple[str, ...], empty: str, disabled: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice("", empty)] + [SelectChoice(name) for name in names]
    return choices + [SelectChoice(NONE, "none (disabled)")] if disabled else choices


# Parameters edited as form fields; every other parameter is edited as JSON.
COMMON_PARAMETERS = ("num_generations", "sol_per_pop", "num_parents_mating", "num_genes", "gene_type",
                     "init_range_low", "init_range_high", "parent_selection_type", "crossover_type",
                     "mutation_type", "keep_elitism", "random_seed")
NULLABLE_CHOICES = ("crossover_type", "mutation_type")


class EditForm(FlaskForm):
    """Code by role (with entry names) and GA parameters, as the import endpoint takes them."""

    num_generations = IntegerField("Generations", validators=[InputRequired()])
    sol_per_pop = IntegerField("Population size (sol_per_pop)", validators=[Optional()])
    num_parents_mating = IntegerField("Parents mating", validators=[Optional()])
    num_genes = IntegerField("Genes (num_genes)", validators=[Optional()])
    gene_type = SelectField("Gene type", choices=_choices(GENE_TYPE_NAMES + ("custom",), "(default: float)"))
    init_range_low = FloatField("Initial range, low", validators=[Optional()])
    init_range_high = FloatField("Initial range, high", validators=[Optional()])
    parent_selection_type = SelectField("Parent selection", choices=_choices(PARENT_SELECTION_TYPES, "(default: sss)"))
    crossover_type = SelectField("Crossover", choices=_choices(CROSSOVER_TYPES, "(default: single_point)", True))
    mutation_type = SelectField("Mutation", choices=_choices(MUTATION_TYPES, "(default: random)", True))
    keep_elitism = IntegerField("Elitism (keep_elitism)", validators=[Optional()])
    random_seed = IntegerField("Random seed", validators=[Optional()])
    other_parameters = TextAreaField("Other parameters (JSON object)")

    def load(self, ga_parameters: dict[str, Any], code: dict[str, str]) -> None:
        """Fill the form from stored parameters and code."""
        for name in COMMON_PARAMETERS:
            value = ga_parameters.get(name)
            if name in NULLABLE_CHOICES and name in ga_parameters and value is None:
                value = NONE
            getattr(self, name).data = value if value is not None else ("" if name in _SELECTS else None)
        others = {key: value for key, value in ga_parameters.items() if key not in COMMON_PARAMETERS}
        self.other_parameters.data = json.dumps(others, indent=2) if others else ""
        for role in CODE_ROLES:
            getattr(self, f"code_{role}").data = code.get(role, "")
            getattr(self, f"entry_{role}").data = code.get(role + ENTRY_SUFFIX, "")

    def ga_parameters(self) -> dict[str, Any]:
        """The parameters the form describes; raises ValueError (NotStrictJson) for bad JSON."""
        text = (self.other_parameters.data or "").strip()
        others = parse_strict_json(text.encode()) if text else {}
        if not isinstance(others, dict):
            raise ValueError("must be a JSON object")
        parameters = dict(others)
        for name in COMMON_PARAMETERS:
            value = getattr(self, name).data
            if value in (None, ""):
                continue
            parameters[name] = None if value == NONE else value
        return parameters

    def code(self) -> dict[str, str]:
        code: dict[str, str] = {}
        for role in CODE_ROLES:
            source = (getattr(self, f"code_{role}").data or "").replace("\r\n", "\n")
            entry = (getattr(self, f"entry_{role}").data or "").strip()
            if source.strip():
                code[role] = source
            if entry:  # kept even without a source, so that the mistake is reported, not dropped
                code[role + ENTRY_SUFFIX] = entry
        return code

    def field_for(self, path: str):
        """The form field that shows the error of a field path ("code.fitness_func", ...)."""
        section, _, name = path.partition(".")
        if section == "ga_parameters":
            key = name.split(".")[0]
            return getattr(self, key) if key in COMMON_PARAMETERS else self.other_parameters
        if section == "code":
            if name.endswith(ENTRY_SUFFIX):
                return getattr(self, f"entry_{name[:-len(ENTRY_SUFFIX)]}", None)
            return getattr(self, f"code_{name}", None)
        return None


_SELECTS = ("gene_type", "parent_selection_type", "crossover_type", "mutation_type")

for _role in CODE_ROLES:
    setattr(EditForm, f"code_{_role}", TextAreaField(_role))
    setattr(EditForm, f"entry_{_role}", StringField(f"{_role} entry name", validators=[Optional(), Length(max=100)]))
