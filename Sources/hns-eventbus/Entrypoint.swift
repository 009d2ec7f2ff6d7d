import HNSCore
import EventBus

@main
enum Entrypoint {
    static func main() async {
        await EventBusCommand.runAsRoot()
    }
}
