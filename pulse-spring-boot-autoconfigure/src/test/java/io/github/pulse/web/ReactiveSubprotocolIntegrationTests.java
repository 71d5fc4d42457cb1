package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link SubprotocolIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveSubprotocolIntegrationTests extends SubprotocolIntegrationTests {

}
