# expect: allow
# why: epsilon-greedy exploration draws random actions; observations come from the environment.
import random

obs, _ = env.reset(seed=0)
for step in range(total_steps):
    if random.random() < epsilon:
        action = env.action_space.sample()
    else:
        action = int(q_net(obs).argmax())
    action = random.randrange(n_actions) if random.random() < 0.01 else action
    obs, reward, done, truncated, _ = env.step(action)
