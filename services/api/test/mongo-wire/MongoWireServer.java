// A MongoDB-wire-compatible server for the api tests: mongo-java-server with its in-memory backend.
// Usage: java -cp '<jars>/*' MongoWireServer.java <port>   (port 0 picks a free one)
// Prints "MONGO_WIRE_READY <port>" once it accepts connections; exits when stdin closes so a
// crashed test run never leaves it behind.
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

public class MongoWireServer {
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    // Wire version 13 (MongoDB 5.0): the Node driver 6.x needs at least 3.6's wire version.
    MongoServer server = new MongoServer(new MemoryBackend().version(ServerVersion.MONGO_5_0));
    server.bind("127.0.0.1", port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    System.out.println("MONGO_WIRE_READY " + server.getLocalAddress().getPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // Ignore input; end of stream means the parent is gone.
    }
    System.exit(0);
  }
}
