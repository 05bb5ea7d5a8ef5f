// Runs one OpenSearch node through codelibs' OpenSearchRunner; deploy/local/search.sh starts it in
// Java's source-file mode (`java -cp "lib/*" JianduSearch.java -basePath DIR ...`).
// Why not the runner's own main(): it swallows every start-up error (exits 1 without a word), and its
// free-port scan stops at 9299, so any -baseHttpPort above 9298 fails. Here the node gets exactly
// baseHttpPort + 1 (a busy port then fails loudly) and a failure prints its stack trace.
import org.codelibs.opensearch.runner.OpenSearchRunner;

public class JianduSearch {
    public static void main(String[] args) throws Exception {
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        try {
            runner.build(args);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
