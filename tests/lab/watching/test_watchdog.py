from ganlab.lab.evaluation.classifier import load_scorer
from ganlab.lab.watching.watchdog import Watchdog


def point(d_real, d_fake):
    return {"d_real": d_real, "d_fake": d_fake}


def test_d_winning_for_long_warns_once_with_the_docs_section():
    said = []
    dog = Watchdog(patience=3, log=said.append)
    for p in [point(0.99, 0.01), point(0.99, 0.01), point(0.6, 0.4), point(0.99, 0.01), point(0.98, 0.02)]:
        dog.check_history(p)
    assert said == []                                   # the streak was broken
    dog.check_history(point(0.99, 0.01))
    dog.check_history(point(0.99, 0.01))
    assert len(said) == 1 and "D is winning" in said[0] and "failure-modes.md#d-wins" in said[0]


def test_collapse_is_seen_by_the_classifier_and_real_digits_are_not():
    scorer = load_scorer("mnist-sample", log=lambda s: None)
    said = []
    dog = Watchdog(classifier=scorer.net, log=said.append)
    assert dog.check_samples(scorer.test_images[:200]) == 10
    assert said == []
    sevens = scorer.test_images[scorer.net(scorer.test_images).argmax(1) == 7][:1].repeat(64, 1)
    assert dog.check_samples(sevens) == 1
    assert len(said) == 1 and "mode collapse" in said[0] and "7s" in said[0]


def test_samples_are_not_judged_before_g_has_had_time_to_learn():
    scorer = load_scorer("mnist-sample", log=lambda s: None)
    said = []
    dog = Watchdog(classifier=scorer.net, log=said.append, warmup_steps=1000)
    sevens = scorer.test_images[scorer.net(scorer.test_images).argmax(1) == 7][:1].repeat(64, 1)
    assert dog.check_samples(sevens, step=50) is None and said == []
    assert dog.check_samples(sevens, step=1000) == 1 and len(said) == 1


def test_without_a_classifier_the_sample_check_is_skipped():
    assert Watchdog().check_samples(None) is None


def test_a_lopsided_flat_game_warns_and_names_the_fix():
    said = []
    dog = Watchdog(log=said.append, stall_window=8)
    for i in range(7):                                   # D(x) ≈ 0.8, D(G(z)) ≈ 0.1, as the quick start showed
        dog.check_history(point(0.8 + 0.01 * (i % 2), 0.1 - 0.01 * (i % 3)))
    assert said == []                                    # not yet: 7 intervals
    dog.check_history(point(0.8, 0.1))
    assert len(said) == 1 and "stalled" in said[0] and "--spectral-norm" in said[0]


def test_a_game_that_moves_or_is_even_does_not_warn():
    said = []
    dog = Watchdog(log=said.append, stall_window=8)
    for i in range(20):
        dog.check_history(point(0.6, 0.4))               # close: a game being played
    for i in range(20):
        dog.check_history(point(0.8, 0.1 + 0.02 * i))    # lopsided but G is catching up
    assert said == []


def test_raw_scores_of_other_losses_are_not_read_as_probabilities():
    said = []
    dog = Watchdog(log=said.append, probabilities=False, patience=1, stall_window=2)
    for _ in range(5):
        dog.check_history(point(3.0, -3.0))
    assert said == []


def test_a_conditional_g_that_ignores_its_label_is_named_and_one_that_listens_is_not():
    scorer = load_scorer("mnist-sample", log=lambda s: None)
    images = scorer.test_images[:200]
    read = scorer.net(images).argmax(1)                         # what the classifier reads in each
    said = []
    dog = Watchdog(classifier=scorer.net, log=said.append)
    dog.check_samples(images, labels=read)                      # drawn as asked: no warning
    assert said == []
    dog.check_samples(images, labels=(read + 1) % 10)           # every one drawn as another digit
    assert len(said) == 1 and "ignores the digit it is asked for: only 0%" in said[0]
    assert "#label-ignored" in said[0]
