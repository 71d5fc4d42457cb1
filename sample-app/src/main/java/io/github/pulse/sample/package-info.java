/**
 * The pulse sample: a room chat with users, presence, history and direct messages, and an operations page.
 */
@NullMarked
package io.github.pulse.sample;

import org.jspecify.annotations.NullMarked;
