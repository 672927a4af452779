"""The per-model row counts every privacy command prints."""


def format_counts(counts: dict[str, int], notes: dict[str, str] | None = None) -> list[str]:
    """One aligned line per model: label, count and, when given, the note."""
    if not counts:
        return ["  (no rows)"]
    notes = notes or {}
    width = max(len(label) for label in counts)
    lines = []
    for label, count in sorted(counts.items()):
        note = f"  ({notes[label]})" if notes.get(label) else ""
        lines.append(f"  {label:<{width}}  {count:>6}{note}")
    return lines
