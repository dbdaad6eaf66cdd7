"""The unit features: shapes, neighbours, start patterns, n-grams and jieba tokens."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import seed_names, seed_text

from govparse_ml.classifier import features, ngrams, words
from govparse_ml.classifier.estimator import Featurizer
from govparse_ml.classifier.features import FEATURE_VERSION
from govparse_ml.text.normalize import split_lines
from govparse_ml.text.units import split_units

DOC = [
    "2021年政府信息公开工作年度报告",
    "一、总体情况",
    "2021年，县工信局认真贯彻落实《条例》，进一步健全公开机制。",
    "（一）主动公开情况",
    "第二十条第(一)项\t\t\t",
    "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
    "规章\t0\t0\t0",
    "\t\t4.保护第三方合法权益\t0\t0\t0\t0\t0\t0\t0",
    "0 |",
    "--------\t---\t---",
    "- 3 -",
    "2021年12月31日",
]


def seed_units(name: str):
    return split_units(split_lines(seed_text(name)))


@pytest.fixture(scope="module")
def fitted() -> Featurizer:
    docs = [seed_units(n) for n in seed_names()] + [DOC]
    return Featurizer(min_df=1).fit(docs)


def test_feature_version_is_an_int() -> None:
    assert isinstance(FEATURE_VERSION, int) and FEATURE_VERSION >= 1


def test_shape_and_names(fitted: Featurizer) -> None:
    units = seed_units(seed_names()[0])
    X = fitted.transform_doc(units)
    assert X.shape == (len(units), fitted.n_features_out_)
    assert len(fitted.feature_names()) == fitted.n_features_out_
    assert fitted.n_features_out_ == fitted.n_base_ * 5 + 4  # own + ±1 + ±2, and 4 edge flags
    both = fitted.transform([units, DOC])
    assert both.shape[0] == len(units) + len(DOC)


def test_neighbour_blocks_are_the_neighbours_own_features(fitted: Featurizer) -> None:
    X = fitted.transform_doc(DOC).toarray()
    nb = fitted.n_base_
    own = X[:, :nb]
    before1, after1, before2, after2 = (X[:, (i + 1) * nb : (i + 2) * nb] for i in range(4))
    n = len(DOC)
    for i in range(n):
        assert np.array_equal(before1[i], own[i - 1] if i >= 1 else np.zeros(nb))
        assert np.array_equal(after1[i], own[i + 1] if i + 1 < n else np.zeros(nb))
        assert np.array_equal(before2[i], own[i - 2] if i >= 2 else np.zeros(nb))
        assert np.array_equal(after2[i], own[i + 2] if i + 2 < n else np.zeros(nb))
    edges = X[:, 5 * nb :]
    assert edges[0].tolist() == [1, 0, 1, 0]  # no unit before, nor two before
    assert edges[1].tolist() == [0, 0, 1, 0]
    assert edges[-1].tolist() == [0, 1, 0, 1]


def names_on(fitted: Featurizer, doc, i: int) -> set[str]:
    names = fitted.feature_names()
    row = fitted.base_features(doc)[i]
    return {names[j] for j in row.indices}


@pytest.mark.parametrize(
    ("text", "expected", "absent"),
    [
        ("一、总体情况", {"start_num_section"}, {"start_num_sub", "start_values_only"}),
        ("十一、其他", {"start_num_section"}, set()),
        ("（一）主动公开情况", {"start_num_sub"}, {"start_num_section"}),
        ("(二) 部分公开", {"start_num_sub"}, set()),
        ("1.属于国家秘密", {"start_num_item"}, {"start_leading_blank"}),
        ("\t\t4.保护第三方合法权益\t0", {"start_num_item", "start_leading_blank"}, set()),
        ("12.5\t3", set(), {"start_num_item"}),  # a decimal, not an item number
        ("第三部分 主动公开", {"start_num_part"}, set()),
        ("第二十条第(一)项", {"start_art20"}, set()),
        ("(本列数据的勾稽关系为：…)", {"start_note"}, set()),
        ("一是加强领导。", {"start_num_shi"}, set()),
        ("2021年12月31日", {"start_date_line"}, {"start_page_like"}),
        ("- 3 -", {"start_page_like", "start_no_cjk"}, {"start_date_line"}),
        ("第 2 页 共 9 页", {"start_page_like"}, set()),
        ("0\t0\t0\t12", {"start_values_only", "start_no_cjk"}, set()),
        ("0 |", {"start_values_only"}, set()),
        ("无", {"start_values_only", "start_none_answer"}, set()),
        ("--------\t---\t---", {"start_separator_only"}, {"start_values_only"}),
        ("无其他需要报告的事项。", {"start_none_answer"}, {"start_values_only"}),
        ("附件：统计表", {"start_attachment"}, set()),
    ],
)
def test_start_flags(fitted: Featurizer, text: str, expected: set[str], absent: set[str]) -> None:
    got = names_on(fitted, ["前文。", text, "后文。"], 1)
    assert expected <= got, expected - got
    assert not (absent & got), absent & got


def test_shape_features(fitted: Featurizer) -> None:
    got = names_on(fitted, DOC, 6)  # "规章\t0\t0\t0"
    assert {"count_tabs_bin=3", "count_numbers_bin=3", "first_class=cjk", "last_class=digit"} <= got
    got = names_on(fitted, DOC, 2)  # a sentence
    assert {"final_period", "has=。", "has=，,", "last_char=。", "has=《》"} <= got
    got = names_on(fitted, DOC, 8)  # "0 |"
    assert "ends_bar" in got and "starts_bar" not in got
    assert "first_unit" in names_on(fitted, DOC, 0)
    assert "last_unit" in names_on(fitted, DOC, len(DOC) - 1)


def test_ngrams_mark_start_and_end_and_never_span_units(fitted: Featurizer) -> None:
    got = names_on(fitted, DOC, 1)  # 一、总体情况
    assert {"head=⏎一、", "head=⏎一", "head=情况⏎", "tail=况⏎", "tail=体情况"} <= got
    # digits fold to 0: "2021年" and "2020年" share their n-grams
    assert "head=⏎00" in names_on(fitted, DOC, 0)
    # no n-gram of unit 1 contains text of unit 0 or 2
    for name in got:
        if name.startswith(("head=", "tail=")):
            gram = name.split("=", 1)[1]
            assert gram.replace("⏎", "") in "一、总体情况", name


def test_jieba_tokens_of_short_units(fitted: Featurizer) -> None:
    got = names_on(fitted, ["信息内容\t本年制发件数", *DOC], 0)
    assert {"tok=信息内容", "tok=本年制发件数", "jieba_tokenized"} <= got
    assert "tok=规章" in names_on(fitted, DOC, 6)
    long_prose = names_on(fitted, DOC, 2)
    assert not any(n.startswith("tok=") for n in long_prose) and "jieba_tokenized" not in long_prose
    # the tokenizer is built once per dictionary and cached
    assert words.tokenizer(fitted.dictionary_) is words.tokenizer(fitted.dictionary_)
    assert "信息内容" in words.dictionary_words() and "总体情况" in words.dictionary_words()


def test_units_and_strings_agree_on_text_features(fitted: Featurizer) -> None:
    units = seed_units(seed_names()[3])
    a = fitted.base_features(units)
    b = fitted.base_features([u.text for u in units])
    names = fitted.feature_names()
    structural = {
        i for i, n in enumerate(names[: fitted.n_base_]) if n.startswith(("cut=", "part_", "line_", "blank_"))
    }
    keep = [i for i in range(fitted.n_base_) if i not in structural]
    assert (a[:, keep] != b[:, keep]).nnz == 0


def test_base_parts_match_base_features(fitted: Featurizer) -> None:
    units = seed_units(seed_names()[1])
    n, rows, cols, vals = fitted.base_parts(units)
    assert n == len(units) and rows.size == cols.size == vals.size
    dense = np.zeros((n, fitted.n_base_))
    np.add.at(dense, (rows, cols), vals)
    assert np.allclose(fitted.base_features(units).toarray(), dense)
    # every one-hot group has exactly one entry per unit
    names = fitted.dense_names()
    len_bins = [i for i, name in enumerate(names) if name.startswith("len_bin=")]
    assert (dense[:, len_bins].sum(axis=1) == 1).all()


def test_text_features_depend_on_the_text_only(fitted: Featurizer) -> None:
    """text_parts of a unit are the same wherever the unit stands; context_parts hold the rest."""
    units = seed_units(seed_names()[2])
    n, rows, cols, vals = fitted.text_parts(units)
    whole = np.zeros((n, fitted.n_base_))
    np.add.at(whole, (rows, cols), vals)
    picked = [3, len(units) // 2, len(units) - 1]
    m, rows, cols, vals = fitted.text_parts([units[i].text for i in reversed(picked)])
    alone = np.zeros((m, fitted.n_base_))
    np.add.at(alone, (rows, cols), vals)
    assert np.array_equal(alone[::-1], whole[picked])
    c_rows, c_cols, _ = fitted.context_parts(units)
    context = {fitted.dense_names()[c] for c in np.unique(c_cols)}
    assert context >= {"first_unit", "last_unit", "rel_pos"} and all(
        name.startswith(("pos_bin=", "first_", "last_", "second_", "cut=", "part_", "line_", "blank_", "rel_pos"))
        for name in context
    )
    assert not set(np.unique(c_cols)) & set(np.unique(cols))  # the two parts never share a column
    assert (np.bincount(c_rows, minlength=len(units)) >= 2).all()  # every unit has a position


@pytest.mark.parametrize(
    "doc",
    [
        [],
        [""],
        ["a"],
        ["𠀀𠀁 astral 字", "\x00\x01 control", "line\nbreak inside"],
        ["|" * 500, "0" * 5000, "表" * 3000],
        ["只有一行"],
    ],
    ids=["empty", "empty-unit", "one-char", "odd-chars", "long", "single"],
)
def test_odd_documents(fitted: Featurizer, doc) -> None:
    X = fitted.transform_doc(doc)
    assert X.shape == (len(doc), fitted.n_features_out_)
    assert np.isfinite(X.data).all()


def test_code_table_lookup() -> None:
    rng = np.random.default_rng(0)
    vocab = np.unique(rng.integers(0, 2**62, 5000))
    table = ngrams.CodeTable(vocab)
    queries = np.concatenate([vocab[::7], rng.integers(0, 2**62, 300)])
    got = table.lookup(queries)
    expected = np.array([np.searchsorted(vocab, q) if q in set(vocab.tolist()) else -1 for q in queries])
    assert np.array_equal(got, expected)
    assert ngrams.CodeTable(np.zeros(0, dtype=np.int64)).lookup(queries[:3]).tolist() == [-1, -1, -1]


# --------------------------------------------------------------------------- feature blocks


def test_the_classifier_takes_every_featurizer_parameter_with_its_default() -> None:
    """LineClassifier's constructor must list the featurizer's parameters (scikit-learn reads
    parameters off the signature); this keeps the one copy from drifting."""
    import inspect

    from govparse_ml.classifier.estimator import LineClassifier
    from govparse_ml.classifier.features import FEATURE_PARAMS, FeatureSpace

    space = inspect.signature(FeatureSpace.__init__).parameters
    classifier = inspect.signature(LineClassifier.__init__).parameters
    assert FEATURE_PARAMS and FEATURE_PARAMS[-1] == "blocks"
    for name in FEATURE_PARAMS:
        assert name in classifier, name
        assert classifier[name].default == space[name].default, name


def test_the_dense_columns_are_the_blocks_in_order() -> None:
    from govparse_ml.classifier import features

    names = features.FeatureSpace().dense_names()
    assert names == [c for b in features.DENSE_BLOCKS for c in b.columns]
    assert len(set(names)) == len(names) == features._N_DENSE
    assert len({b.name for b in features.DENSE_BLOCKS}) == len(features.DENSE_BLOCKS)
    assert {b.kind for b in features.DENSE_BLOCKS} == {"onehot", "flags", "values"}
    # the place of a unit in the document is never cached with its text
    context = [c for b in features.DENSE_BLOCKS if b.source == "context" for c in b.columns]
    assert "rel_pos" in context and "pos_bin=0" in context and "has=%" not in context


def test_an_extra_block_adds_its_columns_and_survives_the_arrays_file(monkeypatch) -> None:
    from govparse_ml.classifier import features, scorer
    from govparse_ml.classifier.estimator import LineClassifier
    from govparse_ml.training.data import generated_documents
    from govparse_ml.training.fit import unit_dataset

    monkeypatch.setitem(
        features.EXTRA_BLOCKS,
        "long_unit",
        features.ExtraBlock(
            ("long_unit", "very_long_unit"), lambda d: np.column_stack((d.lengths > 20, d.lengths > 60))
        ),
    )
    with pytest.raises(ValueError, match="unknown feature blocks"):
        features.FeatureSpace(blocks=("no_such_block",))
    X, y = unit_dataset(generated_documents(7, 13))
    model = LineClassifier(max_ngrams=2000, min_df=2, max_iter=100, blocks=("long_unit",)).fit(X, y)
    space = model.pipeline_.named_steps["features"]
    assert space.dense_names()[-2:] == ["long_unit", "very_long_unit"]
    assert space.n_dense_ == features._N_DENSE + 2
    docs = [split_units(split_lines(seed_text(n))) for n in seed_names()[:2]]
    fast = model.predict_proba(docs)
    assert np.allclose(np.vstack(fast), model.pipeline_.predict_proba(docs), atol=1e-9)
    long_col = space.dense_names().index("long_unit")
    matrix = space.transform([docs[0]]).toarray()
    assert (matrix[:, long_col] == [len(u.text) > 20 for u in docs[0]]).all()
    # the arrays file (what parse loads) records the blocks and scores the same
    arrays = scorer.export_arrays(model._scorer)
    assert list(arrays["blocks"]) == ["long_unit"]
    scorer = scorer.scorer_from_arrays(arrays)
    assert scorer.space.blocks == ("long_unit",)
    assert scorer.predict_units(docs[1]) == model.predict_units(docs[1])


def test_the_numeric_cells_block_counts_the_cells_that_are_a_number() -> None:
    space = features.FeatureSpace(use_ngrams=False, use_jieba=False, blocks=("numeric_cells",))
    space.set_vocabulary(dictionary=(), head_vocab=np.zeros(0, np.int64), tail_vocab=np.zeros(0, np.int64), tokens=())
    texts = ["规章\t0\t0\t0", "行政许可\t54", "| 规章 | 3 | 1 |", "2021年12月31日", "第二十条第(一)项\t\t\t"]
    matrix = space.transform([texts]).toarray()
    names = space.dense_names()
    got = matrix[:, [names.index(c) for c in features.EXTRA_BLOCKS["numeric_cells"].columns]]
    assert got.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]]
    assert features.FeatureSpace().dense_names() == names[: features._N_DENSE]  # not in the default columns
