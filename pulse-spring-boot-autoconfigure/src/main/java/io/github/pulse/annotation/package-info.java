/**
 * Annotated message handlers: {@link io.github.pulse.annotation.PulseEvent @PulseEvent} methods on any bean.
 */
@NullMarked
package io.github.pulse.annotation;

import org.jspecify.annotations.NullMarked;
