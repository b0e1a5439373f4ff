"""``ganlab evaluate``'s table: the scores of ``ganlab.lab.evaluation.evaluate``, each beside
its real-data floor, as lines to print (``--json`` prints the same numbers as they are)."""
from ganlab.lab.evaluation.evaluate import CONFIDENT


def format_table(r):
    rows = [
        ("classifier FID (lower is better)", f"{r['fid']:.3f}", f"{r['fid_real']:.3f}"),
        ("classifier KID (lower is better; ± sd)", f"{r['kid']:.2f} ± {r['kid_sd']:.2f}",
         f"{r['kid_real']:.2f} ± {r['kid_real_sd']:.2f}"),
        ("classifier Inception score (max 10)", f"{r['inception_score']:.2f}", f"{r['inception_score_real']:.2f}"),
        ("digits covered (of 10)", f"{r['digits_covered']}", "10"),
        ("precision (realistic)", f"{r['precision']:.3f}", f"{r['precision_real']:.3f}"),
        ("recall (diverse)", f"{r['recall']:.3f}", f"{r['recall_real']:.3f}"),
        ("near-copies of training digits", f"{r['memorized']:.3f}", f"{r['memorized_real']:.3f}"),
        ("stray ink (bright pixels off the stroke)", f"{r['stray_ink']:.2%}", f"{r['stray_ink_real']:.2%}"),
        ("isolated bright pixels per image", f"{r['isolated_pixels']:.2f}", f"{r['isolated_pixels_real']:.2f}"),
    ]
    if "label_agreement" in r:
        rows.append(("classifier agrees with the asked-for digit", f"{r['label_agreement']:.3f}",
                     f"{r['classifier_accuracy']:.3f}"))
    lines = table(rows)
    hist = "  ".join(f"{d}:{s:.0%}" for d, s in enumerate(r["digit_shares"]))
    lines += ["", f"predicted digits: {hist}"]
    if "label_agreement" in r:
        per_digit = "  ".join(f"{d}:{a:.0%}" for d, a in enumerate(r["label_agreement_per_digit"]))
        lines += [f"agreement by asked-for digit: {per_digit}"]
    if "per_digit" in r:
        lines += [""] + digit_rows(r["per_digit"])
        lines += ["(within each digit: against that digit's training images; 'real': held-out digits)"]
    drawn = f", drawn with the truncation trick (|z_i| <= {r['truncation']})" if r.get("truncation") else ""
    lines += [f"{r['n']} samples{drawn}; classifier accuracy on held-out digits {r['classifier_accuracy']:.1%}"]
    if "held_out" in r:
        lines += [""] + format_held_out(r["held_out"])
    if "independent" in r:
        lines += [""] + format_held_out(r["independent"], independent=True)
    return lines


def format_held_out(h, independent=False):
    """The second opinion's rows: the wide CNN's scores against the held-out digits."""
    rows = [
        ("FID (lower is better)", f"{h['fid']:.2f}", f"{h['fid_real']:.2f}"),
        ("KID (lower is better; ± sd)", f"{h['kid']:.2f} ± {h['kid_sd']:.2f}", f"{h['kid_real']:.2f} ± {h['kid_real_sd']:.2f}"),
        (f"confidently read as a digit (p >= {CONFIDENT})", f"{h['confident']:.1%}", f"{h['confident_real']:.1%}"),
        ("precision (realistic)", f"{h['precision']:.3f}", f"{h['precision_real']:.3f}"),
        ("recall (diverse)", f"{h['recall']:.3f}", f"{h['recall_real']:.3f}"),
    ]
    if "label_agreement" in h:
        rows.append(("read as the asked-for digit", f"{h['label_agreement']:.3f}", f"{h['classifier_accuracy']:.3f}"))
    held_out = "test" if independent else "held-out"
    header = (f"independent evaluator: a wide CNN trained on MNIST's {h['n_reference']:,} test digits, which no run "
              f"trained on, and scored against them ({h['classifier_accuracy']:.1%} accurate on the training digits)"
              if independent else f"second opinion: a wide CNN ({h['classifier_accuracy']:.1%} accurate), against the "
              f"{h['n_reference']:,} held-out digits no run trained on")
    lines = [header, *table(rows), f"('real digits' here: the training digits, scored against the {held_out} ones)"]
    if "per_digit" in h:
        lines += [""] + digit_rows(h["per_digit"])
        lines += [f"(within each digit: against that digit's {held_out} images; 'real': its training images)"]
    return lines


def digit_rows(rows):
    """The per-digit table: samples, FID, KID and recall, each beside its real-digit floor."""
    def show(value, spec):
        return "-" if value is None else format(value, spec)
    lines = [f"{'digit':>5s} {'samples':>8s} {'FID':>8s} {'real':>6s} {'KID':>7s} {'real':>6s} {'recall':>7s} {'real':>6s}"]
    for row in rows:
        lines += [f"{row['digit']:>5d} {row['n']:>8d} {show(row['fid'], '.2f'):>8s} {row['fid_real']:>6.2f} "
                  f"{show(row['kid'], '.3g'):>7s} {row['kid_real']:>6.3g} {show(row['recall'], '.3f'):>7s} "
                  f"{row['recall_real']:>6.3f}"]
    return lines


def table(rows):
    """(metric, samples, real digits) rows as aligned text lines, with a header."""
    return [f"{'metric':40s} {'samples':>14s} {'real digits':>14s}", "-" * 70,
            *(f"{name:40s} {a:>14s} {b:>14s}" for name, a, b in rows)]
