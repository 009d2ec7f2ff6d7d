import HNSCore
import StripeSimulator

@main
enum Entrypoint {
    static func main() async {
        await StripeSimulatorCommand.runAsRoot()
    }
}
