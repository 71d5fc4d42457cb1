/**
 * Micrometer meters of pulse.
 */
@NullMarked
package io.github.pulse.metrics;

import org.jspecify.annotations.NullMarked;
