/**
 * Java client for pulse on the JDK's {@code java.net.http} WebSocket: reconnect with backoff and jitter, gap-free
 * session resume, heartbeat, and a bounded outbound queue. Start with {@link io.github.pulse.client.PulseClient#builder(String)}.
 */
@NullMarked
package io.github.pulse.client;

import org.jspecify.annotations.NullMarked;
