"""Python rules of ../raising.yaml (issue 21, item 7: a rule that raises names its own file and line)."""

from kili_rules import rule


@rule(id="average-rating", message="the average rating is off")
def average_rating(label):
    ratings = label.categories("RATING")
    return 5 / len(ratings) > 0  # no rating chosen: ZeroDivisionError, at line 9 of this file
