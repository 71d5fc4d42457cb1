package io.github.pulse.annotation;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.pulse.PulseConnection;
import io.github.pulse.PulseListener;
import io.github.pulse.PulseMessage;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * A {@link PulseListener} that routes each message to the {@link PulseEvent @PulseEvent} method for its event.
 * Handler methods are discovered on every singleton bean once all singletons exist, before the web server starts
 * accepting connections. Events without a handler are left to the other listeners.
 */
public class PulseEventDispatcher implements PulseListener, SmartInitializingSingleton, BeanFactoryAware {

	private static final Log logger = LogFactory.getLog(PulseEventDispatcher.class);

	private final Map<String, PulseEventHandlerMethod> handlers = new ConcurrentHashMap<>();

	private @Nullable ListableBeanFactory beanFactory;

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	@Override
	public void afterSingletonsInstantiated() {
		ListableBeanFactory factory = this.beanFactory;
		if (factory == null) {
			return;
		}
		for (String name : factory.getBeanNamesForType(Object.class, false, false)) {
			if (ScopedProxyUtils.isScopedTarget(name)) {
				continue;
			}
			Class<?> type = factory.getType(name, false);
			if (type != null && AnnotationUtils.isCandidateClass(type, PulseEvent.class)) {
				register(factory, name, ClassUtils.getUserClass(type));
			}
		}
		if (logger.isDebugEnabled()) {
			logger.debug("@PulseEvent handlers: " + this.handlers.keySet());
		}
	}

	private void register(ListableBeanFactory factory, String beanName, Class<?> type) {
		Map<Method, PulseEvent> methods = MethodIntrospector.selectMethods(type,
				(MethodIntrospector.MetadataLookup<PulseEvent>) (method) -> AnnotatedElementUtils
					.findMergedAnnotation(method, PulseEvent.class));
		if (methods.isEmpty()) {
			return;
		}
		Object bean = factory.getBean(beanName);
		methods.forEach((method, annotation) -> register(new PulseEventHandlerMethod(annotation.value(), bean,
				AopUtils.selectInvocableMethod(method, bean.getClass()))));
	}

	/**
	 * Registers a handler method.
	 * @param handler the handler
	 * @throws IllegalStateException if its event is invalid or already has a handler
	 */
	void register(PulseEventHandlerMethod handler) {
		String event = handler.event();
		if (event.isEmpty() || event.length() > 128) {
			throw new IllegalStateException("@PulseEvent on " + handler.describe()
					+ " must name an event of 1 to 128 characters");
		}
		PulseEventHandlerMethod existing = this.handlers.putIfAbsent(event, handler);
		if (existing != null) {
			throw new IllegalStateException("@PulseEvent(\"" + event + "\") is declared twice: on "
					+ existing.describe() + " and on " + handler.describe() + "; an event has at most one handler");
		}
	}

	/**
	 * Events that have a handler.
	 * @return the event names
	 */
	public Set<String> events() {
		return Set.copyOf(this.handlers.keySet());
	}

	@Override
	public void onMessage(PulseConnection connection, PulseMessage message) {
		PulseEventHandlerMethod handler = this.handlers.get(message.event());
		if (handler != null) {
			handler.invoke(connection, message);
		}
	}

}
