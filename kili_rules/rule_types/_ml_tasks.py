"""Kili's mlTasks grouped by what their answers hold: what the built-in rule types' ``lint`` checks a job against.

Stdlib-only (a plain module of constants): embedded with the rule types that import it.
"""

#: Jobs whose answers are annotations (objects, entities, relations, poses): what ``count`` counts.
ANNOTATION_JOB = "a job of annotations (objects, entities, relations or poses)"
ANNOTATION_TASKS = frozenset(
    {"OBJECT_DETECTION", "NAMED_ENTITIES_RECOGNITION", "NAMED_ENTITIES_RELATION", "OBJECT_RELATION", "POSE_ESTIMATION"}
)
#: Jobs whose answer is a text.
TEXT_TASKS = frozenset({"TRANSCRIPTION"})
#: Jobs whose answers carry categories (a classification's answer, or each annotation's category).
CATEGORY_TASKS = frozenset({"CLASSIFICATION", "OBJECT_DETECTION", "NAMED_ENTITIES_RECOGNITION", "POSE_ESTIMATION"})
#: Input types of a classification job that allow one category only.
SINGLE_CHOICE_INPUTS = frozenset({"radio", "singleDropdown"})
