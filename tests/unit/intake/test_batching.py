from invoice_assets.intake.batching import InboxCursor, batch_key, group_into_batches, plan_batches
from invoice_assets.intake.storage import InboxFile


def files(*specs: tuple[str, float]) -> list[InboxFile]:
    return [InboxFile(key=key, size=100, modified=modified) for key, modified in specs]


def test_new_files_are_grouped_into_batches_of_the_given_size():
    listing = files(*((f"inv-{i:03}.png", 1000.0 + i) for i in range(5)))
    batches, cursor = plan_batches(listing, InboxCursor(), batch_size=2)
    assert [len(b.files) for b in batches] == [2, 2, 1]
    assert [key for b in batches for key in b.files] == [f.key for f in listing]
    assert cursor.watermark == 1004.0


def test_the_same_listing_after_the_cursor_moved_requests_nothing():
    listing = files(("a.png", 10.0), ("b.png", 10.0))
    _, cursor = plan_batches(listing, InboxCursor(), batch_size=10)
    batches, again = plan_batches(listing, cursor, batch_size=10)
    assert batches == []
    assert again == cursor


def test_a_file_with_the_same_timestamp_as_the_watermark_is_not_skipped():
    _, cursor = plan_batches(files(("a.png", 10.0)), InboxCursor(), batch_size=10)
    batches, _ = plan_batches(files(("a.png", 10.0), ("b.png", 10.0)), cursor, batch_size=10)
    assert [b.files for b in batches] == [("b.png",)]


def test_a_late_file_inside_the_overlap_window_is_picked_up_once():
    _, cursor = plan_batches(files(("new.png", 500.0)), InboxCursor(), batch_size=10, overlap_seconds=300)
    late = files(("new.png", 500.0), ("late.png", 450.0))
    batches, cursor = plan_batches(late, cursor, batch_size=10, overlap_seconds=300)
    assert [b.files for b in batches] == [("late.png",)]
    assert plan_batches(late, cursor, batch_size=10, overlap_seconds=300)[0] == []


def test_a_rewritten_file_with_a_new_time_is_new_again():
    _, cursor = plan_batches(files(("a.png", 10.0)), InboxCursor(), batch_size=10)
    batches, _ = plan_batches(files(("a.png", 20.0)), cursor, batch_size=10)
    assert [b.files for b in batches] == [("a.png",)]


def test_files_older_than_the_window_are_left_to_the_sweep():
    _, cursor = plan_batches(files(("a.png", 10_000.0)), InboxCursor(), batch_size=10, overlap_seconds=300)
    batches, _ = plan_batches(files(("old.png", 1.0)), cursor, batch_size=10, overlap_seconds=300)
    assert batches == []


def test_the_window_forgets_keys_that_fell_out_of_it():
    _, cursor = plan_batches(files(("a.png", 10.0)), InboxCursor(), batch_size=10, overlap_seconds=5)
    _, cursor = plan_batches(files(("b.png", 100.0)), cursor, batch_size=10, overlap_seconds=5)
    assert cursor.recent == {"b.png": 100.0}


def test_cursor_round_trips_through_text():
    cursor = InboxCursor(watermark=12.5, recent={"x/a.png": 12.5})
    assert InboxCursor.parse(cursor.serialize()) == cursor
    assert InboxCursor.parse(None) == InboxCursor()


def test_batch_keys_are_deterministic_and_differ_by_members():
    a = files(("a.png", 1_700_000_000.0), ("b.png", 1_700_000_001.0))
    assert batch_key(a) == batch_key(list(reversed(a)))
    assert batch_key(a).startswith("20231114T221321-")
    assert batch_key(a) != batch_key(a[:1])
    assert group_into_batches(a, 5)[0].key == batch_key(a)
