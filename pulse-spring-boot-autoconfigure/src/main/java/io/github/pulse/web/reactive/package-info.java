/**
 * pulse on Spring WebFlux and Reactor Netty: the handshake, the {@link io.github.pulse.core.Transport} on the Netty
 * channel and the bridge of inbound frames to the same {@link io.github.pulse.web.PulseWebSocketHandler} the servlet
 * stack uses.
 */
@NullMarked
package io.github.pulse.web.reactive;

import org.jspecify.annotations.NullMarked;
