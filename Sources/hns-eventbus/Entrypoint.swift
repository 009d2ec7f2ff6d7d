import EventBus
import HNSCore

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await EventBusCommand.runAsRoot()
    }
}
