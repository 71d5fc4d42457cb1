package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link OrderingIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveOrderingIntegrationTests extends OrderingIntegrationTests {

}
