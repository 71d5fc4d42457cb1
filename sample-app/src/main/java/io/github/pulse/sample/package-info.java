/**
 * The pulse sample: a room chat with presence, and an operations page.
 */
@NullMarked
package io.github.pulse.sample;

import org.jspecify.annotations.NullMarked;
