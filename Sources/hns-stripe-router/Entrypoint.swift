import HNSCore
import StripeRouter

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await StripeRouterCommand.runAsRoot()
    }
}
