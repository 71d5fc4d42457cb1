/**
 * Actuator endpoint exposing live pulse connections, rooms and sessions.
 */
@NullMarked
package io.github.pulse.actuate.endpoint;

import org.jspecify.annotations.NullMarked;
