package io.github.pulse.web;

import io.github.pulse.test.OnNetty;

/**
 * {@link ShutdownIntegrationTests} on WebFlux and Reactor Netty.
 */
@OnNetty
class ReactiveShutdownIntegrationTests extends ShutdownIntegrationTests {

}
