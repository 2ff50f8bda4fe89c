print("magi-studio")
