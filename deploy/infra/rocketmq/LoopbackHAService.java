package cartwheel.infra;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;

import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.ha.DefaultHAService;

/**
 * The stock broker's HA (master/slave replication) listener binds
 * {@code new InetSocketAddress(haListenPort)}, i.e. every interface, and no setting changes
 * that (bindAddress only reaches the Netty remoting servers). This subclass binds it to the
 * broker's brokerIP1 (127.0.0.1 in scripts/infra.sh) instead, so nothing the broker opens
 * listens beyond loopback.
 *
 * The broker picks it up through RocketMQ's ServiceProvider, which reads the first line of
 * the classpath resource META-INF/service/org.apache.rocketmq.store.ha.HAService;
 * scripts/infra.sh compiles this file into .cache/infra/rocketmq/ext and writes that
 * resource beside it.
 */
public class LoopbackHAService extends DefaultHAService {
    @Override
    public void init(final DefaultMessageStore store) throws IOException {
        super.init(store);
        String host = store.getBrokerConfig().getBrokerIP1();
        int port = store.getMessageStoreConfig().getHaListenPort();
        try {
            Class<?> accept = Class.forName(
                "org.apache.rocketmq.store.ha.DefaultHAService$AcceptSocketService");
            Field listen = accept.getDeclaredField("socketAddressListen");
            listen.setAccessible(true);
            listen.set(this.acceptSocketService, new InetSocketAddress(host, port));
        } catch (ReflectiveOperationException e) {
            throw new IOException("cannot bind the HA listener to " + host + ":" + port, e);
        }
    }
}
