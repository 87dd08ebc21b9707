import pytest
from django.core.exceptions import ValidationError

from coalition.core.exports import neutralize_formula
from coalition.core.richtext import sanitize_html
from coalition.core.validators import validate_multiline, validate_single_line


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok</p><script>alert(1)</script>", "<p>ok</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<p onclick="x()" style="color:red">y</p>', "<p>y</p>"),
        ('<img src="file:///etc/passwd">', ""),
        ("<style>@import url(http://127.0.0.1:9/)</style>", ""),
        (
            '<a href="https://ok.example/">ok</a>',
            '<a href="https://ok.example/" rel="noopener noreferrer nofollow">ok</a>',
        ),
        ("<!-- hidden --><b>bold</b>", "<b>bold</b>"),
    ],
)
def test_sanitize_html_keeps_letter_formatting_only(dirty, clean):
    assert sanitize_html(dirty) == clean


@pytest.mark.parametrize(
    "value", ["nul\x00", "esc\x1b[2J", "bell\x07", "rlo\u202eevil", "isolate\u2066x", "line\nbreak"]
)
def test_single_line_refuses_control_characters(value):
    with pytest.raises(ValidationError):
        validate_single_line(value)


def test_single_line_accepts_any_script():
    for value in ["Amnesty International", "منظمة العفو الدولية", "Правозащитный центр", "人权观察", "मानवाधिकार"]:
        validate_single_line(value)


def test_multiline_allows_line_breaks_but_not_nul():
    validate_multiline("first line\nsecond line\r\n\ttabbed")
    with pytest.raises(ValidationError):
        validate_multiline("first\x00second")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("plain", "plain"), (3, 3)],
)
def test_formula_neutralization(value, expected):
    assert neutralize_formula(value) == expected
