import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replyShows } from './theory-client.js';

test('theory view replies: a slider reply shows when newer, a search reply for the current inputs once', () => {
  const view = { version: 7, shown: 4, shownSearched: false };
  // a drag ran ahead to version 7: the slider's reply for 5 still shows, one for 4 or older not
  assert.equal(replyShows(5, false, view), true);
  assert.equal(replyShows(4, false, view), false);
  assert.equal(replyShows(3, false, view), false);
  // a search answers for the inputs it was asked for: only the current ones
  assert.equal(replyShows(6, true, view), false);
  assert.equal(replyShows(7, true, view), true);
  // after the search of 7 showed, the slider's late reply for 7 must not replace it (the view
  // would sit at "live" and lose the searched table), nor the same search twice
  const searched = { version: 7, shown: 7, shownSearched: true };
  assert.equal(replyShows(7, false, searched), false);
  assert.equal(replyShows(7, true, searched), false);
  // the slider's reply for 7 showed first: the search of 7 still upgrades it
  assert.equal(replyShows(7, true, { version: 7, shown: 7, shownSearched: false }), true);
  // an invalid input counts as shown: replies asked for before it are dropped
  assert.equal(replyShows(6, false, { version: 7, shown: 7, shownSearched: false }), false);
});
