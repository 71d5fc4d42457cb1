package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link InboundFloodIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveInboundFloodIntegrationTests extends InboundFloodIntegrationTests {

}
