/**
 * Session engine: sessions, rooms, send buffers, heartbeat and resume.
 */
@NullMarked
package io.github.pulse.core;

import org.jspecify.annotations.NullMarked;
