"""Quizzes written the way instructors write them (tests/questions/fixtures/*.md, our own questions).

Each fixture is a different real-world style: checklists, nested lists, letter styles, inline options,
answer keys as tables, lists and ``1-B, 2-C`` lines, ``<details>`` blocks, blockquotes, check marks,
True/False, fill-in-the-blank, CRLF with a BOM and mojibake, a broken key, and a quiz with no answers.
Every test states the exact questions the file must give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from questions.importers import ImportReport, import_files, import_text
from questions.model import ChoiceAnswer, Kind, Question, ShortAnswer

FIXTURES = Path(__file__).parent / "fixtures"

# (label, kind, prompt, option texts, correct keys or accepted answers, explanation)
Expected = tuple[str | None, Kind, str, tuple[str, ...], tuple[str, ...], str | None]


def load(name: str) -> ImportReport:
    return import_files([FIXTURES / name])


def summary(question: Question) -> Expected:
    answer = question.answer
    if isinstance(answer, ChoiceAnswer):
        given: tuple[str, ...] = answer.keys
    elif isinstance(answer, ShortAnswer):
        given = answer.accepted
    else:
        given = (answer.model_answer,)
    return (
        question.source.label,
        question.kind,
        question.prompt,
        tuple(c.text for c in question.choices),
        given,
        question.explanation,
    )


def assert_clean(report: ImportReport) -> None:
    assert report.skipped == [] and report.warnings == [] and report.errors == [], (
        report.skipped,
        report.warnings,
        report.errors,
    )


def test_github_checklists_single_and_multi_with_explanations() -> None:
    report = load("checklist_git.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which command records staged changes in the repository history?",
            ("`git add`", "`git commit`", "`git push`", "`git status`"),
            ("B",),
            "`git add` only stages; `git commit` writes a new commit object.",
        ),
        (
            "Q2",
            Kind.MULTI,
            "Which of these are remote-related commands? (select all that apply)",
            ("`git fetch`", "`git init`", "`git pull`", "`git push`"),
            ("A", "C", "D"),
            "`init` creates a local repository; the other three talk to a remote.",
        ),
        (
            "Q3",
            Kind.SINGLE,
            "What does `git stash` do?",
            (
                "Deletes uncommitted changes permanently",
                "Saves uncommitted changes and reverts the working tree",
                "Creates a new branch",
            ),
            ("B",),
            "a stash is a stack of saved work-in-progress; `git stash pop` brings it back.",
        ),
        (
            "Q4",
            Kind.SINGLE,
            "Which file lists paths Git should not track?",
            ("`.gitconfig`", "`.gitkeep`", "`.gitignore`"),
            ("C",),
            None,
        ),
    ]


def test_ordered_list_questions_with_nested_letter_bullet_and_numbered_options() -> None:
    report = load("ordered_nested_linux.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which command prints the current working directory?",
            ("`cd`", "`pwd`", "`ls -d`", "`whoami`"),
            ("B",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which permission string gives the owner read and write access only?",
            ("`-rw-------`", "`-rwxr-xr-x`", "`-r--r--r--`"),
            ("A",),
            None,
        ),
        (
            "Q3",
            Kind.SINGLE,
            "Which signal does `kill` send by default?",
            ("SIGKILL", "SIGHUP", "SIGTERM"),
            ("C",),
            "SIGTERM asks the process to exit and can be caught.",
        ),
        (
            "Q4",
            Kind.SINGLE,
            "Which command shows the last lines of a file and keeps following it?",
            ("`head -f`", "`tail -f`", "`less +G`"),
            ("B",),  # "Answer: 2" names the second numbered option
            None,
        ),
    ]


def test_parenthesised_options_and_correct_labels() -> None:
    report = load("paren_options_http.md")
    assert_clean(report)  # "(b) GET requests ..." is an explanation, not a restated option in conflict
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which status code means the resource was not found?",
            ("200", "301", "404", "500"),
            ("C",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which HTTP method is idempotent *and* has no request body by convention?",
            ("POST", "GET", "PATCH"),
            ("B",),
            "GET requests should not change server state.",
        ),
        (
            "Q3",
            Kind.SINGLE,
            "Which header tells the server the media type of the request body?",
            ("Accept", "Content-Type", "Authorization"),
            ("B",),
            None,
        ),
    ]


def test_dash_en_dash_and_bold_letter_options_under_numbered_headings() -> None:
    report = load("dash_letter_networking.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which layer of the OSI model does IP belong to?",
            ("Data link", "Network", "Transport", "Application"),
            ("B",),
            None,
        ),
        ("Q2", Kind.SINGLE, "How many bits are in an IPv4 address?", ("16", "32", "64", "128"), ("B",), None),
        (
            "Q3",
            Kind.SINGLE,
            "Which protocol resolves host names to IP addresses?",
            ("DHCP", "ARP", "DNS"),
            ("C",),
            None,
        ),
    ]


def test_options_written_on_one_line() -> None:
    report = load("inline_options_units.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "How many bytes are in a kibibyte?",
            ("1000", "1024", "1048", "512"),
            ("B",),
            None,
        ),
        ("Q2", Kind.SINGLE, "How many bits are in a byte?", ("4", "8", "16"), ("B",), None),
        ("Q3", Kind.SINGLE, "Which prefix means 10^9?", ("mega", "giga", "tera"), ("B",), None),
    ]


@pytest.mark.parametrize(
    ("line", "options"),
    [
        ("A) x  B) y", ("x", "y")),
        ("(a) one (b) two (c) three", ("one", "two", "three")),
        ("A. first  B. second", ("first", "second")),
        ("a) `b) c` stays b) d", ("`b) c` stays", "d")),  # not split inside a code span
    ],
)
def test_one_line_options_split_only_in_sequence(line: str, options: tuple[str, ...]) -> None:
    (question,) = import_text(f"### Q1. Pick one?\n\n{line}\n\n**Answer:** A\n", file="o.md").questions
    assert tuple(c.text for c in question.choices) == options


@pytest.mark.parametrize(
    ("line", "second"),
    [
        ("a) use the e.g. b. approach here and there", "b) other"),  # dot style needs two spaces: prose
        ("A) x C) y", "B) other"),  # C does not follow A
    ],
)
def test_one_line_text_that_only_looks_like_options_is_not_split(line: str, second: str) -> None:
    report = import_text(f"### Q1. Pick one?\n\n{line}\n{second}\n\n**Answer:** B\n", file="o.md")
    (question,) = report.questions
    assert len(question.choices) == 2 and question.choices[1].text == "other"


def test_answer_key_table_with_front_matter_topic() -> None:
    report = load("key_table_python.md")
    assert_clean(report)
    assert report.banks == {"key-table-python": "Python Data Structures"}
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which built-in type is immutable?",
            ("list", "dict", "tuple", "set"),
            ("C",),
            "Tuples cannot be changed after creation.",
        ),
        ("Q2", Kind.SHORT, "What is `len({1, 1, 2})`?", (), ("2",), "Sets drop duplicates."),
        (
            "Q3",
            Kind.SINGLE,
            "Which method adds an item to the end of a list?",
            ("`push`", "`append`", "`add`"),
            ("B",),
            "`append` mutates the list in place.",
        ),
    ]
    assert {q.topic for q in report.questions} == {"Python"}


def test_answer_key_as_numbered_list_and_a_bare_part_heading_names_no_topic() -> None:
    report = load("key_list_sql.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which clause filters rows before grouping?",
            ("HAVING", "WHERE", "ORDER BY"),
            ("B",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which join keeps every row of the left table?",
            ("INNER JOIN", "LEFT JOIN", "CROSS JOIN"),
            ("B",),
            "unmatched rows get NULLs on the right.",
        ),
        (
            "Q3",
            Kind.SINGLE,
            "Which keyword removes duplicate rows from a result?",
            ("UNIQUE", "DISTINCT", "SINGLE"),
            ("B",),
            None,
        ),
    ]
    assert {(q.section, q.topic) for q in report.questions} == {("Part 1", None)}


def test_compact_key_line_after_paren_numbered_questions() -> None:
    report = load("key_inline_regex.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which metacharacter matches any single character except a newline?",
            ("`*`", "`.`", "`?`"),
            ("B",),
            None,
        ),
        ("Q2", Kind.SINGLE, 'Which quantifier means "one or more"?', ("`*`", "`+`", "`?`"), ("B",), None),
        (
            "Q3",
            Kind.SINGLE,
            "What does `^` mean outside a character class?",
            ("start of line", "end of line", "negation"),
            ("A",),
            None,
        ),
    ]


@pytest.mark.parametrize(
    "key",
    [
        "## Answer Key\n\n1-B, 2-A",
        "## Answers\n\n1-B\n2-A",
        "## Key\n\n1. B  2. A",
        "**Answer key:** 1) b; 2) a",
        "Answers: Q1 = B, Q2 = A.",
    ],
)
def test_compact_key_variants(key: str) -> None:
    text = f"### 1. First?\n\nA) x\nB) y\n\n### 2. Second?\n\nA) p\nB) q\n\n{key}\n"
    report = import_text(text, file="k.md")
    assert [q.correct_keys for q in report.questions] == [("B",), ("A",)], report.skipped
    assert report.warnings == []


def test_details_blocks_on_one_line_and_over_several() -> None:
    report = load("details_docker.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which instruction sets the working directory inside an image?",
            ("`CD`", "`WORKDIR`", "`PATH`"),
            ("B",),
            "because `WORKDIR` also creates the directory if needed.",
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which command removes all stopped containers?",
            ("`docker rm -a`", "`docker container prune`", "`docker system reset`"),
            ("B",),
            "`prune` asks for confirmation unless `-f` is given.",
        ),
        (
            "Q3",
            Kind.SHORT,
            "Which file lists paths to leave out of the build context?",
            (),
            (".dockerignore",),
            None,
        ),
    ]


def test_blockquote_check_mark_bold_and_plain_answers() -> None:
    report = load("blockquote_answers_security.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Question 1",
            Kind.SINGLE,
            "Which attack injects script into pages viewed by other users?",
            ("CSRF", "XSS", "SQL injection"),
            ("B",),
            "Stored and reflected XSS both run attacker script in the victim's browser.",
        ),
        (
            "Question 2",
            Kind.SINGLE,
            "Which cookie attribute stops JavaScript from reading a cookie?",
            ("Secure", "HttpOnly", "SameSite"),
            ("B",),
            None,
        ),
        (
            "Question 3",
            Kind.SINGLE,
            "Which header tells browsers to use HTTPS only for a site?",
            ("Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options"),
            ("B",),
            None,
        ),
        (
            "Question 4",
            Kind.SINGLE,
            "Which algorithm is appropriate for hashing passwords?",
            ("MD5", "SHA-1", "bcrypt"),
            ("C",),
            None,
        ),
    ]


def test_check_marks_in_a_list_are_prompt_text_not_answers() -> None:
    text = "### Q1. Why prefer these?\n\n- ✅ small images\n- ✅ fast builds\n\n**Model answer:** Both save time.\n"
    (question,) = import_text(text, file="c.md").questions
    assert question.kind is Kind.OPEN
    assert question.prompt == "Why prefer these?\n\n- ✅ small images\n- ✅ fast builds"


def test_true_false_and_fill_in_the_blank() -> None:
    report = load("truefalse_blanks_cloud.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Object storage is a good fit for a database's data files.",
            ("True", "False"),
            ("B",),
            "Databases need block storage with low-latency random writes.",
        ),
        (
            "Q2",
            Kind.SINGLE,
            "True or False: an availability zone is made of one or more data centers.",
            ("True", "False"),
            ("A",),
            None,
        ),
        (
            "Q3",
            Kind.SINGLE,
            "Autoscaling can remove instances as well as add them. (True/False)",
            ("True", "False"),
            ("A",),
            None,
        ),
        ("Q4", Kind.SHORT, "The AWS service for managed DNS is called Route ____.", (), ("53",), None),
        (
            "Q5",
            Kind.SHORT,
            "A ______ region hosts a copy of your data for disaster recovery.",
            (),
            ("secondary", "standby", "backup"),
            None,
        ),
    ]


def test_true_answer_without_a_true_false_prompt_stays_a_typed_answer() -> None:
    (question,) = import_text("### Q1. Is 7 prime?\n\n**Answer:** True\n", file="t.md").questions
    assert question.kind is Kind.SHORT and question.correct_keys == ()


def test_a_plain_list_in_the_prompt_is_not_options_unless_the_answer_picks_from_it() -> None:
    text = "### Q1. Given these steps, how many are there?\n\n- build\n- test\n- ship\n\n**Answer:** 3\n"
    (question,) = import_text(text, file="l.md").questions
    assert question.kind is Kind.SHORT and question.choices == ()
    assert question.prompt.endswith("- build\n- test\n- ship")


def test_bold_q_paragraphs_without_headings() -> None:
    report = load("bold_paragraphs_stats.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which measure of central tendency is least affected by outliers?",
            ("Mean", "Median", "Range"),
            ("B",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "A dataset has a standard deviation of 0. What must be true?",
            ("All values are zero", "All values are equal", "The mean is zero"),
            ("B",),
            None,
        ),
        (
            "Q3",
            Kind.SHORT,
            "Name the distribution that a sum of many independent variables tends toward.",
            (),
            ("normal distribution",),
            None,
        ),
    ]


def test_crlf_bom_tabs_mojibake_and_front_matter() -> None:
    raw = (FIXTURES / "crlf_bom_kubernetes.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\t" in raw  # the fixture is what it says
    report = load("crlf_bom_kubernetes.md")
    assert_clean(report)
    assert report.banks == {"crlf-bom-kubernetes": "Kubernetes Objects"}
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which object keeps a set number of identical Pods running — even after node failures?",
            ("Deployment", "ConfigMap", "Service"),
            ("A",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which object stores non-secret configuration as key→value pairs?",
            ("Secret", "ConfigMap", "Volume"),
            ("B",),
            "Use a Secret for passwords – ConfigMaps are stored in plain text.",
        ),
    ]
    assert [q.source.line for q in report.questions] == [11, 19]
    assert {q.topic for q in report.questions} == {"Kubernetes"}


def test_question_of_n_headings_numbered_options_details_and_q_a_labels() -> None:
    report = load("question_of_n_mixed.md")
    assert_clean(report)
    assert [summary(q) for q in report.questions] == [
        ("Question 1", Kind.SINGLE, "Which port does SSH use?", ("21", "22", "23"), ("B",), None),
        (
            "Question 2",
            Kind.MULTI,
            "Which are TCP-based? (Choose two)",
            ("HTTP", "DNS over UDP", "SSH"),
            ("A", "C"),
            None,
        ),
        (
            "Question 3",
            Kind.SINGLE,
            "```python\nx = [1, 2, 3]\nprint(x[-1])\n```\n\nWhat is printed?",
            ("1", "3", "IndexError"),
            ("B",),
            "negative indexes count from the end.",
        ),
        (
            "Question 4",
            Kind.SHORT,
            "Which command creates a Python virtual environment?",
            (),
            ("python -m venv .venv",),
            None,
        ),
    ]


def test_key_naming_a_missing_option_and_duplicate_numbers_warn() -> None:
    report = load("broken_key_yaml.md")
    assert [summary(q) for q in report.questions] == [
        (
            "Q1",
            Kind.SINGLE,
            "Which character starts a comment in YAML?",
            ("`//`", "`#`", "`;`"),
            ("B",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "Which value is parsed as a boolean by YAML 1.1?",
            ("`yes`", '`"yes"`', "`'true'`"),
            ("A",),
            None,
        ),
        (
            "Q2",
            Kind.SINGLE,
            "How are list items written in block style?",
            ("With a leading `- `", "With a leading `* `"),
            ("A",),  # the key's third entry, matched by position
            None,
        ),
    ]
    assert [(s.line, s.reason) for s in report.skipped] == [
        (20, "Q4: the answer names option E but the options are A–B")
    ]
    messages = {(w.line, w.message) for w in report.warnings}
    assert (15, "Q2 appears twice in the same section (lines 9 and 15)") in messages
    assert (30, "the answer names option E but the options are A–B") in messages
    assert any("matched to questions by position" in m for _, m in messages)


def test_duplicate_numbers_without_a_positional_key_still_warn_and_skip() -> None:
    text = "### 1. A?\n\nA) x\nB) y\n\n### 1. B?\n\nA) x\nB) y\n\n## Answers\n\n1. A\n"
    report = import_text(text, file="d.md")
    assert [q.prompt for q in report.questions] == ["A?"]
    assert any("appears twice" in w.message for w in report.warnings)
    assert [s.reason for s in report.skipped] == [
        "Q1: no answer: options A–B but no answer is given or marked"
    ]


def test_quiz_without_answers_gives_no_questions_and_says_why() -> None:
    report = load("no_answers_terraform.md")
    assert report.questions == [] and report.errors == []
    assert [s.line for s in report.skipped] == [5, 11]
    (note,) = report.notes
    assert note.startswith("no_answers_terraform.md: no quiz questions: 2 question(s) (Q1–Q2) were found")
    assert "none has an answer" in note


def test_every_fixture_imports_without_errors() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.md"))
    assert len(names) >= 12
    for name in names:
        report = load(name)
        assert report.errors == [], name
        assert report.questions or name.startswith("no_answers"), (name, report.notes)


def _large_quiz(size: int) -> tuple[str, int]:
    """A quiz of about ``size`` characters mixing styles, with a table key at the end; (text, count)."""
    parts = ["---\ntitle: Large\n---\n\n# Large quiz\n\n## Questions\n"]
    keyed: list[int] = []
    number = 0
    while sum(map(len, parts)) < size:
        number += 1
        prompt = (
            f"### Q{number}. Which value fits case {number} — the “{number % 7}th” variant?\n\n"
            "Read the scenario: a service receives requests, caches some of them and forwards the rest;\n"
            "each answer below names one of the values the configuration file may hold.\n\n"
        )
        style = number % 4
        if style == 0:
            body = "A) alpha\nB) beta\nC) gamma\n\n**Answer:** B\n\n**Explanation:** beta fits.\n"
        elif style == 1:
            body = "- [ ] alpha\n- [x] beta\n- [ ] gamma\n"
        elif style == 2:
            body = "(a) alpha (b) beta (c) gamma\n\n<details><summary>Answer</summary> b </details>\n"
        else:
            body = "```python\nprint(2 + 2)\n```\n"
            keyed.append(number)
        parts.append(prompt + body + "\n")
    parts.append("## Answer Key\n\n| Q | Answer |\n|---|---|\n")
    parts.extend(f"| {n} | 4 |\n" for n in keyed)
    return "".join(parts), number


def test_a_large_file_imports_every_question() -> None:
    """Half a megabyte of mixed dialects imports whole (its speed is measured in ``bench/bench_import.py``)."""
    text, count = _large_quiz(500_000)
    report = import_text(text, file="big.md")
    assert report.errors == [] and report.skipped == [] and report.warnings == []
    assert len(report.questions) == count
    code_output = sum(1 for n in range(1, count + 1) if n % 4 == 3)  # style 3: keyed in the answer table
    assert sum(q.kind is Kind.SHORT for q in report.questions) == code_output
