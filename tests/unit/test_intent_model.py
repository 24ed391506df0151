"""The learned intent model's pure parts: features, training, calibration, the artefact."""

from __future__ import annotations

import pytest

from parsers.replies.concepts import concept_features
from parsers.replies.features import fold, text_features
from parsers.replies.learn import (
    Outcome,
    TrainSettings,
    auto_handled,
    average,
    calibrate,
    train,
)
from parsers.replies.model import dump, load, predict


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Überwiesen", "uberwiesen"),
        ("ueberwiesen", "uberwiesen"),
        ("Grüße", "grusse"),
        ("Gruesse", "grusse"),
        ("réglé", "regle"),
        ("don’t", "dont"),
    ],
    ids=["umlaut", "ue-spelling", "eszett", "ue-eszett", "accents", "curly-apostrophe"],
)
def test_spellings_fold_to_one_word(written: str, folded: str) -> None:
    assert fold(written) == folded


def test_negation_gets_its_own_feature() -> None:
    plain = text_features("We dispute the invoice.")
    negated = text_features("We do not dispute the invoice.")
    assert "dispute" in plain and "!dispute" not in plain
    assert "!dispute" in negated
    assert "!dispute" not in text_features("We do not agree. We dispute the invoice.")


def test_concepts_by_meaning_and_negation() -> None:
    assert "r:c=defect" in concept_features("The radiator leaks since you installed it.")
    assert "r:c=money_gone" in concept_features("The money left our account on Tuesday.")
    assert "r:c=money_gone" in concept_features(
        "Hab's gestern ueberwiesen, die Zahlung ist bereits erfolgt"
    )
    assert "r:c=!defect" in concept_features("Die Heizung ist nicht kaputt, aber…")


@pytest.mark.parametrize(
    "text",
    [
        "F2026-0773 charges the weekend rate; please correct it to the standard rate.",
        "Die Anfahrt ist doppelt berechnet, bitte korrigieren Sie das.",
        "Merci de rectifier le montant, nous avions convenu d'un forfait.",
        "Graag de uren aanpassen naar wat er echt gewerkt is.",
    ],
)
def test_a_charge_asked_to_be_changed_is_its_own_concept(text: str) -> None:
    assert "r:c=correct_charge" in concept_features(text)


def test_a_corrected_copy_asked_for_is_no_correction_of_a_charge() -> None:
    assert "r:c=correct_charge" not in concept_features("Please send us the corrected invoice.")
    assert "r:c=correct_charge" not in concept_features("Merci de m'envoyer la facture corrigée.")


def test_remise_en_etat_is_no_discount() -> None:
    assert "r:c=discount" not in concept_features("La remise en état du chauffage est terminée.")
    assert "r:c=discount" in concept_features("Nous avons déduit la remise convenue.")


def test_if_not_negates_nothing_it_opens_the_alternative() -> None:
    assert "!uberweise" not in text_features("Falls nicht, überweise ich übermorgen.")
    assert "r:c=!future_pay" not in concept_features("We will pay by Friday, if not sooner.")
    assert "!pay" in text_features("We will not pay this.")


def _toy() -> tuple[list[list[str]], list[str]]:
    docs = [["pay", "friday"], ["pay", "monday"], ["wrong", "amount"], ["wrong", "hours"]] * 3
    labels = ["promise_to_pay", "promise_to_pay", "dispute", "dispute"] * 3
    return [sorted(d) for d in docs], labels


def test_training_is_deterministic_and_learns() -> None:
    docs, labels = _toy()
    classes = ("promise_to_pay", "dispute", "other")
    one = train(docs, labels, classes, TrainSettings(epochs=10))
    two = train(docs, labels, classes, TrainSettings(epochs=10))
    assert dump(one) == dump(two)
    result = predict(one, ["wrong", "amount"])
    assert result.best == "dispute" and result.confidence > 0.5
    assert any(r.startswith("wrong(") or r.startswith("amount(") for r in result.reasons)


def test_artefact_round_trip_and_bad_artefact() -> None:
    docs, labels = _toy()
    model = train(docs, labels, ("promise_to_pay", "dispute"), TrainSettings(epochs=5))
    text = dump(model)
    assert dump(load(text)) == text
    with pytest.raises(ValueError, match="line 1"):
        load("something else\n")
    broken = text.rstrip("\n") + "\nfeature 1\n"
    with pytest.raises(ValueError, match="weights for 2 classes"):
        load(broken)


def test_calibration_keeps_disputes_away_from_automatic_other_intents() -> None:
    outcomes = [Outcome("promise_to_pay", "promise_to_pay", 0.95, 0.01)] * 100 + [
        Outcome("dispute", "promise_to_pay", 0.9, 0.3),  # a dispute read as a promise
        Outcome("other", "promise_to_pay", 0.7, 0.0),
    ]
    threshold, guard = calibrate(outcomes)
    assert not auto_handled(outcomes[100], threshold, guard)
    assert not auto_handled(outcomes[101], threshold, guard)
    assert auto_handled(outcomes[0], threshold, guard)


def test_a_question_about_payment_is_not_a_statement_of_payment() -> None:
    assert "r:c=money_gone" in concept_features("Wir haben das schon bezahlt.")
    asked = concept_features("Kannst du schauen, ob wir das schon bezahlt haben?")
    assert "r:c=?money_gone" in asked and "r:c=money_gone" not in asked


def test_each_intent_gets_its_own_threshold() -> None:
    # Auto-replies are read reliably down to 0.6; promises are wrong once at 0.8.
    outcomes = (
        [Outcome("auto_reply", "auto_reply", 0.6 + i / 1000, 0.0) for i in range(50)]
        + [Outcome("promise_to_pay", "promise_to_pay", 0.9 + i / 1000, 0.0) for i in range(50)]
        + [Outcome("other", "promise_to_pay", 0.8, 0.0)]
        + [Outcome("promise_to_pay", "promise_to_pay", 0.7, 0.0)] * 5
    )
    thresholds, _ = calibrate(outcomes, margin=0.0)
    assert thresholds["auto_reply"] <= 0.6 < 0.8 < thresholds["promise_to_pay"] <= 0.9
    # With a 1 % budget one wrong among 106 automatic decisions is allowed.
    loose, _ = calibrate(outcomes, max_wrong=0.01, margin=0.0)
    assert loose["promise_to_pay"] <= 0.7


def test_the_mean_of_models_is_a_model() -> None:
    docs, labels = _toy()
    classes = ("promise_to_pay", "dispute")
    one = train(docs, labels, classes, TrainSettings(epochs=5, seed=1))
    two = train(docs, labels, classes, TrainSettings(epochs=5, seed=2))
    mean = average([one, two])
    assert average([one, one]).index == one.index
    assert set(mean.index) <= set(one.index) | set(two.index)
    feature = next(iter(mean.index))
    row = mean.index[feature] * 2
    expect = [
        (m.weights[m.index[feature] * 2 + c] if feature in m.index else 0.0)
        for m in (one, two)
        for c in range(2)
    ]
    assert mean.weights[row] == pytest.approx((expect[0] + expect[2]) / 2, abs=1e-4)
    assert predict(mean, docs[0]).best == labels[0]


def test_a_long_phrasing_does_not_hide_the_concepts_inside_it() -> None:
    found = concept_features("Dès que notre client nous paie, nous vous réglons.")
    assert {"r:c=conditional_pay", "r:c=third_party"} <= set(found)
    assert "r:c=money_gone" in concept_features("Payment went out this morning.")
    assert "r:c=undisputed" in concept_features("Nous ne contestons pas du tout la facture.")


def test_one_intent_cannot_spend_the_whole_error_budget() -> None:
    # 1,000 sure paid claims, and 8 promises of which 4 are wrong at 0.9 and 0.91: the 0.5 %
    # overall budget would allow all four, but then half the automatic promises are wrong.
    outcomes = [Outcome("paid_claim", "paid_claim", 0.99, 0.0)] * 1000 + [
        Outcome("promise_to_pay", "promise_to_pay", 0.95, 0.0),
        Outcome("promise_to_pay", "promise_to_pay", 0.94, 0.0),
        Outcome("promise_to_pay", "promise_to_pay", 0.93, 0.0),
        Outcome("promise_to_pay", "promise_to_pay", 0.92, 0.0),
        Outcome("other", "promise_to_pay", 0.91, 0.0),
        Outcome("other", "promise_to_pay", 0.91, 0.0),
        Outcome("paid_claim", "promise_to_pay", 0.90, 0.0),
        Outcome("paid_claim", "promise_to_pay", 0.90, 0.0),
    ]
    capped, _ = calibrate(outcomes, max_wrong=0.005, margin=0.0)
    assert 0.91 < capped["promise_to_pay"] <= 0.92
    uncapped, _ = calibrate(outcomes, max_wrong=0.005, margin=0.0, per_intent=1.0)
    assert uncapped["promise_to_pay"] <= 0.9


def test_the_independent_replies_keep_the_promise_on_their_own() -> None:
    # 2,500 of our own replies read surely and right, 52 independent promises of which two
    # are wrong at 0.92: 2 of 2,552 is inside the 0.5 % budget, but 2 of the 52 independent
    # automatic decisions is 4 %. Marked strict, they hold the promise bar above 0.92.
    own = [Outcome("paid_claim", "paid_claim", 0.99, 0.0)] * 2000 + [
        Outcome("promise_to_pay", "promise_to_pay", 0.9, 0.0)
    ] * 500
    independent = [Outcome("promise_to_pay", "promise_to_pay", 0.95, 0.0)] * 50 + [
        Outcome("other", "promise_to_pay", 0.92, 0.0),
        Outcome("payment_plan", "promise_to_pay", 0.92, 0.0),
    ]
    outcomes = [*own, *independent]
    loose, _ = calibrate(outcomes, max_wrong=0.005, margin=0.0)
    assert loose["promise_to_pay"] <= 0.9
    strict = [False] * len(own) + [True] * len(independent)
    held, _ = calibrate(outcomes, max_wrong=0.005, margin=0.0, strict=strict)
    assert 0.92 < held["promise_to_pay"] <= 0.95
    # One wrong decision is always allowed: a handful of replies cannot demand perfection.
    one = [*own, *independent[:-1]]
    allowed, _ = calibrate(one, max_wrong=0.005, margin=0.0, strict=strict[:-1])
    assert allowed["promise_to_pay"] <= 0.9


def test_a_large_corpus_trains_in_fewer_epochs() -> None:
    settings = TrainSettings(epochs=30, steps=78_000, min_epochs=6)  # not the defaults
    assert settings.epochs_for(500) == 30
    assert settings.epochs_for(2_600) == 30
    assert settings.epochs_for(3_900) == 20
    assert settings.epochs_for(100_000) == 6


def test_tense_duplicates_and_whose_insolvency() -> None:
    assert "r:c=past_paid" in concept_features("The invoice was paid by our bank on Friday.")
    assert "r:c=past_paid" in concept_features("Virement effectué ce jour.")
    assert "r:c=past_paid" not in concept_features("The invoice will be paid on Friday.")
    assert "r:c=duplicate" in concept_features("Diese Rechnung haben wir doppelt erhalten.")
    assert "r:c=own_insolvency" in concept_features("The company is in administration.")
    for denial in (
        "We are not bankrupt ourselves!",
        "Wij zijn niet failliet.",
        "Our customer went bankrupt.",
    ):
        assert "r:c=own_insolvency" not in concept_features(denial), denial
    split = concept_features(
        "F2026-0401 klopt. F2026-0402 niet: een pomp die we nooit gekregen hebben."
    )
    assert {"r:c=split_verdict", "r:c=never_received"} <= set(split)
    # The invoice itself not received is a request for it, not goods missing.
    assert "r:c=never_received" not in concept_features("We never received the invoice.")


def test_a_guarded_cue_the_model_overrules_is_never_automatic() -> None:
    # 100 sure promises, and 30 equally sure ones where the rules saw a dispute or an
    # insolvency: with the veto, calibration can keep a low bar for the first (the vetoed
    # ones, wrong or right, are never automatic and cannot force the bar up).
    sure = [Outcome("promise_to_pay", "promise_to_pay", 0.97, 0.0)] * 100
    vetoed = [Outcome("dispute", "promise_to_pay", 0.99, 0.0, vetoed=True)] * 3 + [
        Outcome("promise_to_pay", "promise_to_pay", 0.99, 0.0, vetoed=True)
    ] * 27
    bars, guard = calibrate([*sure, *vetoed], max_wrong=0.005, margin=0.0)
    assert bars["promise_to_pay"] <= 0.97
    assert not any(auto_handled(o, bars, guard) for o in vetoed)
    assert all(auto_handled(o, bars, guard) for o in sure)
    # Without the veto the three disputes read as promises at 0.99 push the bar to the top.
    plain = [Outcome(o.label, o.predicted, o.confidence, o.alarm) for o in vetoed]
    bars2, _ = calibrate([*sure, *plain], max_wrong=0.005, margin=0.0)
    assert bars2.get("promise_to_pay", 1.0) > 0.99


def test_a_dispute_read_surer_than_the_top_bar_is_counted_not_chased() -> None:
    # A dispute read as a promise at 0.9995 is handled under any bar calibration can set
    # (the top bar is 0.999): it counts against the budget but must not push the bar of the
    # 200 promises read at 0.95-0.97 to the top. One below the top bar still stops the cut.
    sure = [Outcome("promise_to_pay", "promise_to_pay", 0.95 + i / 10_000, 0.0) for i in range(200)]
    above = [Outcome("dispute", "promise_to_pay", 0.9995, 0.0)]
    bars, _ = calibrate([*sure, *above], max_wrong=0.01, margin=0.0)
    assert bars["promise_to_pay"] <= 0.95
    below = [Outcome("dispute", "promise_to_pay", 0.96, 0.0)]
    bars2, _ = calibrate([*sure, *below], max_wrong=0.01, margin=0.0)
    assert bars2["promise_to_pay"] > 0.96


def test_above_099_the_bars_are_on_a_finer_grid_and_the_margin_shrinks() -> None:
    # 300 promises read at 0.9950-0.9979 and one dispute read as a promise at 0.9952: the bar
    # goes just above the dispute (0.996 on the 0.001 grid), not to 1.0 (never) as a 0.01
    # grid above 0.99 would.
    sure = [
        Outcome("promise_to_pay", "promise_to_pay", 0.995 + i / 100_000, 0.0) for i in range(300)
    ]
    dispute = [Outcome("dispute", "promise_to_pay", 0.9952, 0.0)]
    bars, guard = calibrate([*sure, *dispute], max_wrong=0.005, margin=0.0)
    assert bars["promise_to_pay"] == 0.996
    assert not auto_handled(dispute[0], bars, guard)
    # The margin is at most a fifth of the doubt left above the bar: 0.996 -> 0.997, not 1.0.
    margined, _ = calibrate([*sure, *dispute], max_wrong=0.005, margin=0.01)
    assert margined["promise_to_pay"] == 0.997
    # Below 0.99 the margin is as given (0.90 + 0.01).
    low = [Outcome("paid_claim", "paid_claim", 0.90 + i / 10_000, 0.0) for i in range(300)]
    wrong = [Outcome("other", "paid_claim", 0.8999, 0.0)] * 5
    bars_low, _ = calibrate([*low, *wrong], max_wrong=0.005, margin=0.01)
    assert bars_low["paid_claim"] == 0.91
