// One OpenSearch node in this JVM for the api's tests, e2e and benchmark: the server jar from Maven
// Central with the two plugins a node needs here (Netty4 for HTTP and node-to-node transport,
// analysis-common for the index's analyzers), loaded from the classpath instead of a plugins dir.
// `--plugin=<class>` adds one more from the classpath: the security plugin, whose released jars the
// caller puts there, brings TLS and users (it then picks the secure HTTP and transport itself).
// Usage: java -cp '<jars>/*:<classes>' OpenSearchTestNode [--plugin=<class>] key=value ...   (node settings)
// Prints "OPENSEARCH_READY <http port>" once the node has started; exits when stdin closes so a
// crashed test run never leaves it behind.
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

public class OpenSearchTestNode extends Node {
  OpenSearchTestNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
    super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> settings.get("node.name")), plugins, true);
  }

  public static void main(String[] args) throws Exception {
    Settings.Builder settings = Settings.builder().put("network.host", "127.0.0.1");
    List<Class<? extends Plugin>> plugins = new ArrayList<>(List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
    for (String arg : args) {
      if (arg.startsWith("--plugin=")) {
        plugins.add(Class.forName(arg.substring("--plugin=".length())).asSubclass(Plugin.class));
        continue;
      }
      int eq = arg.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + arg);
      settings.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    // Without security the plain Netty4 transports; with it, the plugin names its own secure ones.
    if (plugins.size() == 2) settings.put("http.type", "netty4").put("transport.type", "netty4");
    Node node = new OpenSearchTestNode(settings.build(), plugins);
    node.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
    int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
    System.out.println("OPENSEARCH_READY " + port);
    System.out.flush();
    while (System.in.read() != -1) {
      // Ignore input; end of stream means the parent is gone.
    }
    System.exit(0);
  }
}
