"""Company-name normalisation for CJK names, in DuckDB SQL.

Splink's token comparisons score a whole Chinese name as one token, and DuckDB's edit distances
count UTF-8 bytes, so names are compared after stripping legal-form and place words
(research note §2, margince PR #2852) as sets of character bigrams (Jaccard).
"""

from __future__ import annotations

LEGAL_FORM = (
    "有限责任公司|股份有限公司|有限公司|集团|控股|分公司|总公司|公司|"
    "上海市|北京市|天津市|重庆市|深圳市|广州市|上海|北京|天津|重庆|深圳|广州|"
    "co\\.?,? ?ltd\\.?|ltd\\.?|inc\\.?|corp\\.?|group|limited|"
    "[（(][^）)]*[）)]|[\\s·.,，、-]"
)


def core_name_sql(column: str) -> str:
    """SQL expression: the name with legal-form words, brackets and spaces removed."""
    return f"regexp_replace(lower(coalesce({column}, '')), '({LEGAL_FORM})', '', 'g')"


def bigrams_sql(expr: str) -> str:
    """SQL expression: the distinct character bigrams of a string (the string itself if short)."""
    return (
        f"CASE WHEN length({expr}) < 2 THEN [{expr}] ELSE list_distinct("
        f"list_transform(range(1, length({expr})), lambda i: substring({expr}, i, 2))) END"
    )


def jaccard_sql(left: str, right: str) -> str:
    """SQL expression: Jaccard similarity of two bigram lists."""
    return (
        f"(len(list_intersect({left}, {right}))::DOUBLE / "
        f"greatest(len(list_distinct(list_concat({left}, {right}))), 1))"
    )
