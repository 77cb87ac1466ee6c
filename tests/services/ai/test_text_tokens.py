"""Tokens for content similarity: single Latin letters are no evidence that two courses are alike."""

from __future__ import annotations

from oms.services.ai.text import CourseText, build_index, features, shared_terms, tokens


def test_single_latin_letters_and_digits_are_not_tokens() -> None:
    assert tokens("Trial Course renamed by B") == ["trial", "renamed"]
    assert tokens("Introduction To Java Programming B") == ["java", "programming"]
    assert tokens("Part 2: x y z") == []
    assert tokens("C++ and C# for R users") == ["c++", "c#", "users"]


def test_chinese_characters_keep_their_bigrams_and_lone_characters() -> None:
    assert tokens("机器学习") == ["机器", "器学", "学习"]
    assert tokens("学 Python") == ["学", "python"]


def test_courses_sharing_only_a_letter_share_no_terms() -> None:
    a = CourseText("Trial Course renamed by B")
    b = CourseText("Introduction To Java Programming B")
    assert shared_terms(features(a), features(b)) == []
    index = build_index([a, b])
    assert (index.matrix[0] @ index.matrix[1].T).sum() == 0


def test_a_tag_of_one_letter_is_still_matched_whole() -> None:
    a, b = CourseText("Pointers", tags=("c",)), CourseText("Memory", tags=("c",))
    assert shared_terms(features(a), features(b)) == ["c"]
