/**
 * Public API of pulse: the {@link io.github.pulse.PulseServer}, connections, listeners and the connect handler.
 */
@NullMarked
package io.github.pulse;

import org.jspecify.annotations.NullMarked;
