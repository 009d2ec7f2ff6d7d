import HNSCore
import StripeSimulator

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await StripeSimulatorCommand.runAsRoot()
    }
}
