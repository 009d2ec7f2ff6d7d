import HNSCore
import StripeRouter

@main
enum Entrypoint {
    static func main() async {
        await StripeRouterCommand.runAsRoot()
    }
}
