/**
 * Health indicator of pulse.
 */
@NullMarked
package io.github.pulse.health;

import org.jspecify.annotations.NullMarked;
