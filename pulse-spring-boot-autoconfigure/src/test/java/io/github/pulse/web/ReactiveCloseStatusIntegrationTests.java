package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link CloseStatusIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveCloseStatusIntegrationTests extends CloseStatusIntegrationTests {

}
