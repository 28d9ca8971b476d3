"""The worker keeps the next job's sandbox child ready; every job still gets a fresh one."""

import copy
import re

import pytest

from ..api.test_imports import CURL_BODY
from ..conftest import bearer
from .test_runs import get_submission, push

pytestmark = pytest.mark.live

# Reports its process, and whether code from an earlier job left anything in it.
LEAVES_A_MARK = ("import builtins, os\n"
                 "def fitness_func(ga, sol, idx):\n"
                 "    if not hasattr(builtins, 'vilvik_test_mark'):\n"
                 "        builtins.vilvik_test_mark = os.getpid()\n"
                 "        print('child', os.getpid(), 'of', os.getppid(), 'found no mark')\n"
                 "    elif builtins.vilvik_test_mark != os.getpid():\n"
                 "        print('found the mark of', builtins.vilvik_test_mark)\n"
                 "    return -sum(s*s for s in sol)\n")


def _run_output(app, submission_id: str) -> str:
    from vilvik.extensions import db
    from vilvik.models import Run, Submission

    with app.app_context():
        submission = db.session.scalar(db.select(Submission).where(Submission.public_id == submission_id))
        return db.session.scalar(db.select(Run.output).where(Run.submission_id == submission.id))


def test_consecutive_jobs_of_one_worker_each_get_a_fresh_child(app, client, key, drain):
    body = copy.deepcopy(CURL_BODY)
    body["code"]["fitness_func"] = LEAVES_A_MARK
    body["ga_parameters"].update(num_generations=3, sol_per_pop=6)
    submissions = [push(client, key, body)["id"] for _ in range(3)]
    for submission_id in submissions:
        assert client.post(f"/api/v1/submissions/{submission_id}/reexecute",
                           headers=bearer(key)).status_code == 202
    assert drain().returncode == 0  # one worker process takes all three, one after the other
    children, parents = set(), set()
    for submission_id in submissions:
        assert get_submission(client, key, submission_id)["status"] == "succeeded"
        output = _run_output(app, submission_id)
        assert "found the mark" not in output
        child, parent = re.search(r"child (\d+) of (\d+) found no mark", output).groups()
        children.add(child)
        parents.add(parent)
    assert len(children) == 3 and len(parents) == 1
